"""Search that understands the field: synonyms, most-words ranking, snippets, facets, did you mean.

Each behaviour runs through the database's own search and through the fallback forced
(`run_search`), and `make test` runs this folder on SQLite too.
"""

from __future__ import annotations

import pytest

from guidance import search as guidance_search
from tests.accounts.factories import UserFactory
from tests.guidance.factories import publish_guidance

pytestmark = pytest.mark.django_db

BOILERPLATE = guidance_search.snippets.BOILERPLATE[0]


def slugs(results) -> list[str]:
    return [v.document.slug for v in results]


@pytest.fixture
def library(db):
    editor = UserFactory(is_guidance_editor=True)
    docs = [
        (
            "ln2-alarm",
            "Responding to an LN2 storage temperature alarm",
            "What the on-call person does at night.",
            "Stay safe and triage the tank alarm.",
        ),
        (
            "vapour",
            "Keeping products in vapour phase",
            "Segregation and monitoring.",
            "Fill the tank with liquid nitrogen automatically.",
        ),
        (
            "car-t",
            "Tocilizumab around CAR-T infusion",
            "Stock for each patient.",
            "Two doses must be available before infusion.",
        ),
        ("gmo-spill", "Cleaning up a GMO spill", "Spill kits.", "Use a virucidal disinfectant."),
        (
            "thawing",
            "Thawing a cryopreserved cell product",
            "Bedside thaw.",
            "Use the validated water bath.",
        ),
        (
            "shipper",
            "Receiving a product in a dry shipper",
            "Checks on arrival.",
            "Inspect the seal and read the data logger before signing for the delivery.",
        ),
    ]
    for slug, title, summary, body in docs:
        publish_guidance(
            editor=editor, slug=slug, title=title, summary=summary, body=f"{BOILERPLATE}\n\n{body}"
        )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("liquid nitrogen", {"ln2-alarm", "vapour"}),
        ("LN2", {"ln2-alarm", "vapour"}),
        ("chimeric antigen receptor", {"car-t"}),
        ("CAR T", {"car-t"}),
        ("CART", {"car-t"}),
        ("genetically modified", {"gmo-spill"}),
        ("spillage", {"gmo-spill"}),
        ("cryo", {"thawing"}),
        ("defrost", {"thawing"}),
    ],
)
def test_it_finds_documents_by_synonym_and_abbreviation(library, run_search, query, expected):
    assert set(slugs(run_search(query))) == expected


def test_it_ranks_documents_matching_most_of_the_words_when_all_words_find_few(library):
    found = guidance_search.find(q="dry shipper delivery courier", user=UserFactory())
    assert found.most_words
    assert slugs(found.results)[0] == "shipper"


def test_it_keeps_all_words_matching_when_enough_documents_hold_every_word(library):
    found = guidance_search.find(q="alarm", user=UserFactory())
    assert not found.most_words


def test_snippets_come_from_the_body_that_matched_never_the_boilerplate(library, run_search):
    for query in ("portal summary source", "water bath", "thaw"):
        for version in run_search(query):
            snippet = guidance_search.snippet_for(version, query)
            assert "summary written for the portal" not in snippet
    [thawing] = [v for v in run_search("water bath") if v.document.slug == "thawing"]
    assert "<mark>" in guidance_search.snippet_for(thawing, "water bath")


def test_it_gives_no_snippet_when_only_the_title_matched(library, run_search):
    [version] = run_search("Receiving")
    assert guidance_search.snippet_for(version, "Receiving") == ""


def _counts(found, name):
    [facet] = [f for f in found.facets() if f.name == name]
    return {option.code: option.count for option in facet.options}


def test_facet_counts_follow_the_query(db):
    for slug, section, topics in [
        ("alpha", "clinical_operational", ["storage"]),
        ("beta", "clinical_operational", ["storage", "receipt"]),
        ("gamma", "governance_regulatory", ["waste"]),
    ]:
        publish_guidance(slug=slug, title=f"Storage {slug}", section=section, topics=topics)
    user = UserFactory()
    everything = guidance_search.find(q="", user=user)
    assert _counts(everything, "section") == {"clinical_operational": 2, "governance_regulatory": 1}
    found = guidance_search.find(q="beta", user=user)
    assert _counts(found, "topic") == {"storage": 1, "receipt": 1}


def test_a_facet_counts_with_the_other_filters_but_not_its_own(db):
    publish_guidance(
        slug="a", title="Storage a", section="clinical_operational", topics=["storage"]
    )
    publish_guidance(
        slug="b", title="Storage b", section="governance_regulatory", topics=["storage"]
    )
    publish_guidance(slug="c", title="Storage c", section="governance_regulatory", topics=["waste"])
    found = guidance_search.find(q="storage", section="governance_regulatory", user=UserFactory())
    assert slugs(found.results) == ["b", "c"]
    assert _counts(found, "section") == {"clinical_operational": 1, "governance_regulatory": 2}
    assert _counts(found, "topic") == {"storage": 1, "waste": 1}


def test_it_suggests_the_word_a_misspelling_was_meant_to_be(library):
    found = guidance_search.find(q="liquid nitrgen", user=UserFactory())
    assert found.suggestion == "liquid nitrogen"
    assert guidance_search.find(q="tocilizumab", user=UserFactory()).suggestion is None
