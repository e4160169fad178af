"""The icontains fallback (SQLite's search), forced directly so PostgreSQL runs test it too."""

from __future__ import annotations

import pytest

from guidance import search as guidance_search

pytestmark = pytest.mark.django_db


def fallback(q, **filters):
    versions = guidance_search.current_versions(**filters)
    return list(guidance_search.search_fallback(versions, guidance_search.normalise_query(q)))


def _labels(concepts):
    return [concept.label for concept in concepts]


def test_it_parses_phrases_exclusions_and_or():
    groups = guidance_search.parse('"spill kit" -bleach gene-therapy OR waste').groups
    assert [(_labels(g.include), _labels(g.exclude)) for g in groups] == [
        (["spill kit", "gene", "therapy"], ["bleach"]),
        (["waste"], []),
    ]


def test_it_caps_the_number_of_terms():
    groups = guidance_search.parse(" ".join(f"w{i}" for i in range(50))).groups
    assert len(groups[0].include) == guidance_search.MAX_TERMS


def test_it_scores_title_three_summary_two_body_one(corpus):
    scores = {v.document.slug: v.rank for v in fallback("thaw")}
    assert scores == {"thawing": 3, "receipt": 1}
    scores = {v.document.slug: v.rank for v in fallback("kit")}
    assert scores == {"gmo-spill": 2, "ln2-storage": 1}
    scores = {v.document.slug: v.rank for v in fallback("spill kit")}
    assert scores == {"gmo-spill": 3 + 2, "ln2-storage": 1 + 1}


def test_it_finds_nothing_for_punctuation_only(corpus):
    assert fallback("!!! -- ::") == []


def test_it_keeps_filters(corpus):
    assert [v.document.slug for v in fallback("spill", topic="storage")] == ["ln2-storage"]
