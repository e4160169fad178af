"""No script, event handler, style or non-http(s)/mailto link survives rendering or snippets."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from guidance import search as guidance_search
from guidance.rendering import ALLOWED_TAGS, html_to_text, render_markdown
from tests.accounts.factories import UserFactory
from tests.guidance.factories import publish_guidance

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script>/*</script><script>*/alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(\'xss\')">',
    "<IMG SRC=javascript:alert('XSS')>",
    "<img src=`javascript:alert(1)`>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<a href="https://ok.example" onmouseover=alert(1)>x</a>',
    '<a href="//evil.example">protocol-relative</a>',
    '<a href="/admin/">relative</a>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](  javascript:alert(1) )",
    "[x](javascript&#58;alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:alert(1))",
    "[x]: javascript:alert(1)\n\n[x]",
    "![img](javascript:alert(1))",
    '![img](x" onerror="alert(1))',
    '<http://ok.example/"onclick="alert(1)>',
    "<javascript:alert(1)>",
    "<div>\n<script>alert(1)</script>\n</div>",
    '<div onclick="alert(1)">\n\n**raw block**\n\n</div>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    '<table><tr><td background="javascript:alert(1)">x</td></tr></table>',
    "```\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    '<p><a href="mailto:x@example.org" target="_blank" id="a" class="b">mail</a></p>',
]


class _Markup(HTMLParser):
    """Every tag and attribute a browser would see in the output."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def assert_safe(rendered: str) -> None:
    """Only allow-listed tags; only href (http, https, mailto) and rel on links; nothing else."""
    parser = _Markup()
    parser.feed(rendered)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, rendered
        for name, value in attrs:
            assert tag == "a" and name in ("href", "rel"), rendered
            if name == "href":
                assert urlsplit(value.strip()).scheme.lower() in {"http", "https", "mailto"}
            if name == "rel":
                assert value == "noopener noreferrer"


def test_there_are_at_least_fifty_payloads():
    assert len(XSS_PAYLOADS) >= 50


@pytest.mark.parametrize("payload", XSS_PAYLOADS, ids=range(len(XSS_PAYLOADS)))
def test_it_renders_no_xss_payload_as_markup(payload):
    assert_safe(render_markdown(payload))
    assert_safe(render_markdown(f"Before\n\n{payload}\n\nAfter **bold**"))


def test_it_keeps_the_allowed_markup():
    rendered = render_markdown(
        "## Heading\n\nText with **bold**, *em* and `code` and a [link](https://sps.nhs.uk).\n\n"
        "- one\n- two\n\n1. first\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\n"
        "[mail](mailto:pharmacy@nhs.example)"
    )
    for tag in (
        "<h2>",
        "<strong>",
        "<em>",
        "<code>",
        "<ul>",
        "<ol>",
        "<li>",
        "<blockquote>",
        "<table>",
        "<thead>",
        "<tbody>",
        "<tr>",
        "<th>",
        "<td>",
        "<hr>",
    ):
        assert tag in rendered
    assert '<a href="https://sps.nhs.uk" rel="noopener noreferrer">link</a>' in rendered
    assert 'href="mailto:pharmacy@nhs.example"' in rendered


def test_it_turns_rendered_html_into_plain_text():
    assert html_to_text(render_markdown("## A &amp; B\n\n* x < y\n* <b>z</b>")) == "A & B x < y z"


@pytest.mark.django_db
def test_it_lets_no_payload_through_search_snippets():
    editor = UserFactory(is_guidance_editor=True)
    for n, payload in enumerate(XSS_PAYLOADS):
        publish_guidance(
            editor=editor,
            title=f"Payload {n}",
            summary="Thaw.",
            body=f"Thaw {payload} thaw {payload}",
            slug=f"payload-{n}",
        )
    native = guidance_search.search(q="thaw", user=UserFactory())
    fallback = guidance_search.search_fallback(guidance_search.current_versions(), "thaw")
    for results in (native, fallback):
        results = list(results)
        assert len(results) == len(XSS_PAYLOADS)
        for found in results:
            snippet = guidance_search.snippet_for(found, "thaw")
            # Document text may mention "javascript:" as words; what matters is that it stays
            # text: the only markup left is a bare <mark>.
            tags = re.findall(r"<[^>]*>", snippet)
            assert "<mark>" in tags and set(tags) <= {"<mark>", "</mark>"}, snippet
            assert "<" not in snippet.replace("<mark>", "").replace("</mark>", ""), snippet


@pytest.mark.parametrize(
    "unsafe",
    [
        "<img src=x>",
        '<a href="javascript:alert(1)">x</a>',
        '<p onclick="x">y</p>',
        '<a href="/relative">x</a>',
        '<p style="color:red">x</p>',
    ],
)
def test_the_safety_check_itself_catches_markup(unsafe):
    with pytest.raises(AssertionError):
        assert_safe(unsafe)


@pytest.mark.parametrize("opening", ["<script>", "<style>", "<SCRIPT type='x'>", "<textarea>"])
def test_an_unclosed_raw_text_element_never_drops_what_follows(opening):
    from guidance.rendering import raw_text_warnings

    text = f"First paragraph.\n\n{opening} alert(1)\n\nSecond paragraph.\n\n## Heading\n\nLast one."
    rendered = render_markdown(text)
    for kept in ("First paragraph.", "Second paragraph.", "Heading", "Last one."):
        assert kept in rendered
    assert "<script" not in rendered.lower() and "<style" not in rendered.lower()
    assert raw_text_warnings(text)
