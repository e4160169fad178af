"""Markdown to safe HTML for guidance bodies.

Editors write Markdown; readers get HTML that went through an allow-list sanitiser, so
nothing an editor types (raw HTML, javascript: links, inline styles, event handlers) can
run in a pharmacist's browser. The demo seed and the guidance journey both call this.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urlsplit

import markdown
import nh3

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "a",
        "code",
        "pre",
        "blockquote",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "br",
        "hr",
    }
)
# "*": nothing on every tag: without it nh3 keeps its default title and lang everywhere.
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "*": set()}
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})

_EXTENSIONS = ["tables", "sane_lists"]


def _absolute_links_only(tag: str, attribute: str, value: str) -> str | None:
    # nh3 drops unknown schemes but keeps relative and scheme-less hrefs; guidance links may
    # only point at http(s) or mailto, so those are dropped too.
    if tag == "a" and attribute == "href":
        return value if urlsplit(value.strip()).scheme.lower() in ALLOWED_URL_SCHEMES else None
    return value


# Elements whose content the HTML parser reads as raw text up to their closing tag: one left
# open (an unclosed <script>) swallowed, and the sanitiser then dropped, everything after it.
RAW_TEXT_TAG = re.compile(
    r"<(/?)(script|style|textarea|title|xmp|iframe|noscript|noembed|noframes|plaintext)\b",
    re.IGNORECASE,
)
RAW_HTML_SHOWN_AS_TEXT = (
    "The text contains <{tag}>, which is shown as text rather than run: "
    "raw HTML is not allowed in guidance."
)


def raw_text_warnings(text: str) -> list[str]:
    """What the editor should hear about: each raw-text element in the Markdown, once."""
    tags = dict.fromkeys(match.group(2).lower() for match in RAW_TEXT_TAG.finditer(text or ""))
    return [RAW_HTML_SHOWN_AS_TEXT.format(tag=tag) for tag in tags]


def _escape_raw_text_tags(text: str) -> str:
    return RAW_TEXT_TAG.sub(lambda m: f"&lt;{m.group(1)}{m.group(2)}", text)


def render_markdown(text: str) -> str:
    """Render Markdown and keep only the allowed tags, attributes and link schemes.

    Tags outside the list are dropped but their text is kept (a stray ``<h1>`` becomes
    plain text); ``<script>``, ``<style>`` and the other raw-text elements are escaped first,
    so they show as text and can never swallow what follows them. Links get
    ``rel="noopener noreferrer"``.
    """
    html = markdown.markdown(
        _escape_raw_text_tags(text or ""), extensions=_EXTENSIONS, output_format="html"
    )
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_absolute_links_only,
    ).strip()


def html_to_text(fragment: str) -> str:
    """Plain text of rendered guidance, whitespace collapsed (search index and snippets)."""
    without_tags = nh3.clean(fragment or "", tags=set(), strip_comments=True)
    return " ".join(html_lib.unescape(without_tags).split())
