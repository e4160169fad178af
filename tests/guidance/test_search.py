"""Search behaviour, on whichever database the run uses and through the forced fallback.

Run once on PostgreSQL (full-text and, forced, the ILIKE fallback) and once on SQLite
(DATABASE_URL=sqlite:////tmp/atmp_guidance.sqlite3) where both parameters use the fallback.
"""

from __future__ import annotations

import datetime as dt

import pytest

from guidance import search as guidance_search
from guidance import services
from tests.accounts.factories import UserFactory
from tests.guidance.factories import GuidanceVersionFactory, publish_guidance

pytestmark = pytest.mark.django_db


def slugs(results):
    return [v.document.slug for v in results]


def test_it_ranks_a_title_match_above_a_body_match(corpus, run_search):
    assert slugs(run_search("thaw"))[:2] == ["thawing", "receipt"]


def test_it_ranks_a_summary_match_above_a_body_match(corpus, run_search):
    results = slugs(run_search("kit"))
    assert results.index("gmo-spill") < results.index("ln2-storage")


def test_it_matches_a_quoted_phrase_only_where_the_words_are_together(corpus, run_search):
    assert slugs(run_search('"spill kit"')) == ["gmo-spill"]
    assert set(slugs(run_search("spill kit"))) == {"gmo-spill", "ln2-storage"}


def test_it_excludes_words_with_a_minus(corpus, run_search):
    assert set(slugs(run_search("product"))) == {"thawing", "receipt", "gmo-spill"}
    assert set(slugs(run_search("product -thaw"))) == {"gmo-spill"}


def test_it_matches_the_last_word_as_a_prefix(corpus, run_search):
    assert set(slugs(run_search("cryopres"))) == {"thawing", "ln2-storage"}
    assert slugs(run_search("infusion vali")) == ["thawing"]


def test_it_accepts_or(corpus, run_search):
    assert set(slugs(run_search("drains OR irradiate"))) == {"thawing", "gmo-waste"}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"section": "governance_regulatory"}, {"gmo-spill", "gmo-waste"}),
        ({"topic": "spills_exposure"}, {"gmo-spill"}),
        ({"atmp_class": "gtmp_in_vivo"}, {"gmo-spill", "gmo-waste"}),
        ({"atmp_class": "gtmp_ex_vivo", "section": "clinical_operational"}, {"thawing", "receipt"}),
        ({"topic": "not-a-topic"}, set()),
        ({"section": "nope"}, set()),
        ({"atmp_class": "'; DROP TABLE x; --"}, set()),
    ],
)
def test_it_filters_by_section_topic_and_atmp_class(corpus, run_search, filters, expected):
    browsed = guidance_search.search(q="", user=UserFactory(), **filters)
    assert set(slugs(browsed)) == expected
    words = {"gmo-spill": "gmo", "gmo-waste": "gmo", "thawing": "product", "receipt": "product"}
    for slug in expected:
        assert slug in slugs(run_search(words[slug], **filters))
    assert set(slugs(run_search("gmo OR product", **filters))) == expected


def test_it_returns_everything_live_in_title_order_for_an_empty_query(corpus):
    results = guidance_search.search(q="   ", user=UserFactory())
    assert [v.title for v in results] == sorted(v.title for v in results)
    assert len(results) == 5


def test_it_searches_only_the_current_version_of_live_documents(corpus):
    editor = UserFactory(is_guidance_editor=True)
    draft = services.draft_create(
        document=corpus.waste.document,
        user=editor,
        title="Disposing of GMO waste",
        summary="New",
        body_markdown="Autoclave everything.",
    )
    user = UserFactory()
    assert slugs(guidance_search.search(q="autoclave", user=user)) == []
    services.version_publish(
        version=draft,
        user=editor,
        change_note="x",
        effective_date=dt.date.today(),
        review_due=dt.date.today() + dt.timedelta(days=9),
    )
    assert slugs(guidance_search.search(q="autoclave", user=user)) == ["gmo-waste"]
    assert slugs(guidance_search.search(q="drains", user=user)) == []  # only in v1 now
    services.document_retire(document=corpus.spill.document, user=editor)
    assert slugs(guidance_search.search(q="spill", user=user)) == ["ln2-storage"]


def test_it_finds_nothing_for_anonymous_users(corpus):
    from django.contrib.auth.models import AnonymousUser

    assert list(guidance_search.search(q="thaw", user=AnonymousUser())) == []


ODD_QUERIES = [
    '"',
    '""',
    "'",
    "''",
    "-",
    "--",
    "OR",
    "or or",
    "!",
    "&|!():*<>",
    "a" * 1000,
    "thaw " * 250,
    "🧊❄️",
    "thaw 🧊",
    "\x00thaw",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\\",
    ":*",
    "thaw:*",
    "(",
    ")",
    "NOT",
    "-thaw",
    '"unterminated phrase',
    "%",
    "_",
    "%_%",
    "thaw & | !",
    '-"spill kit"',
    "OR thaw",
    "thaw OR",
    "é",
    "Ünïcödé",
    "日本語",
    "\t\n",
    "a:b:c",
    "<->",
    "thaw <-> cell",
    "$$",
    "`rm -rf`",
    "null",
    "\u202e",
    "\ufeff",
]


def test_it_never_fails_on_odd_query_text(corpus, run_search):
    for q in ODD_QUERIES:
        results = run_search(q)
        snippets = [guidance_search.snippet_for(version, q) for version in results]
        assert len(snippets) == len(results), q
    assert slugs(run_search("thaw " * 250))[:1] == ["thawing"]


def test_it_caps_the_query_length():
    assert len(guidance_search.normalise_query("x" * 1000)) == guidance_search.MAX_QUERY_CHARS


def test_it_highlights_matches_in_snippets(corpus, run_search):
    top = run_search("irradiate")[0]
    snippet = guidance_search.snippet_for(top, "irradiate")
    assert "<mark>irradiate</mark>" in snippet


def test_it_escapes_document_text_in_snippets(db, run_search):
    publish_guidance(
        title="Markup in text",
        slug="markup",
        body="Use `<script>alert(1)</script>` never; a < b & c > d; "
        "<img src=x onerror=alert(1)> thawing <b onclick=x>notes</b>",
    )
    results = run_search("thawing")
    assert slugs(results) == ["markup"]
    snippet = guidance_search.snippet_for(results[0], "thawing")
    assert "<mark>thawing</mark>" in snippet or "<mark>Thawing</mark>" in snippet
    stripped = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped.replace("&gt;", "")


def test_it_ignores_versions_published_without_rows_in_search_for_drafts(db):
    GuidanceVersionFactory(status="draft", number=None, title="Thaw draft")
    assert list(guidance_search.search(q="thaw", user=UserFactory())) == []
