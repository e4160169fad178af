"""The search page's facet counts come from its ranking statement (PostgreSQL): same numbers,
same order, one statement fewer. On SQLite the page counts them as before (tested elsewhere)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guidance import search as guidance_search
from guidance.search import facets as facets_module
from tests.accounts.factories import UserFactory
from tests.guidance.factories import publish_guidance

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]


@pytest.fixture
def library(db):
    editor = UserFactory(is_guidance_editor=True)
    rows = [
        ("a", "Storage of cells", "clinical_operational", ["storage"], ["sctmp"]),
        ("b", "Storage and receipt", "clinical_operational", ["storage", "receipt"], []),
        ("c", "Storage checks", "governance_regulatory", ["waste"], ["sctmp", "tep"]),
        ("d", "Alarm response for storage", "governance_regulatory", ["storage"], ["tep"]),
        ("e", "Dry shipper delivery", "clinical_operational", ["receipt"], ["gtmp_ex_vivo"]),
        # Same title words, so equal ranks are ordered by title (then id).
        ("f", "storage", "clinical_trials", ["storage"], []),
        ("g", "Storage", "clinical_trials", ["storage"], []),
    ]
    for slug, title, section, topics, classes in rows:
        publish_guidance(
            editor=editor,
            slug=slug,
            title=title,
            section=section,
            topics=topics,
            atmp_classes=classes,
            body=f"{title}. Check the delivery log.",
        )


def _orm_ranking(results) -> list[tuple[int, float]]:
    """The same search ranked by its own queryset SQL (a filtered clone loses the facets)."""
    return list(results.filter().values_list("pk", "rank"))


def _separate_counts(found) -> list:
    matches = guidance_search.current_versions()
    matches = guidance_search.fulltext.matching(matches, found.parsed, most_words=found.most_words)
    return facets_module.facet_counts(matches, found.filters)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"section": "governance_regulatory"},
        {"topic": "storage"},
        {"atmp_class": "sctmp", "topic": "storage"},
        {"topic": "no_such_topic"},
    ],
)
@pytest.mark.parametrize(
    "q",
    [
        "storage",
        "storage OR alarm",
        "how do I check a dry shipper delivery",
        "nothing matches this",
    ],
)
def test_the_ranking_statement_ranks_and_counts_as_the_separate_statements_do(library, q, filters):
    found = guidance_search.find(q=q, user=UserFactory(), **filters)
    expected_ranking = _orm_ranking(found.results)
    with CaptureQueriesContext(connection) as queries:
        count = found.results.count()
        facets = found.facets()
    assert len(queries) == 1  # ranking, count and facets in one statement
    assert count == len(expected_ranking)
    assert found.results._ranking == expected_ranking
    assert facets == _separate_counts(found)


def test_the_search_page_runs_no_statement_for_its_facets(library, personas):
    client = personas.client_for(personas.pharmacist_a)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/guidance/", {"q": "storage"})
    assert page.status_code == 200
    assert "Section" in page.content.decode()
    facet_statements = [q["sql"] for q in queries if "jsonb_array_elements_text" in q["sql"]]
    assert len(facet_statements) == 1 and "row_number()" in facet_statements[0]


def test_equal_ranks_are_ordered_by_title_in_byte_order(library):
    found = guidance_search.find(q="storage", user=UserFactory(), section="clinical_trials")
    assert [v.document.slug for v in found.results] == ["g", "f"]  # "Storage" < "storage"


def test_the_api_s_search_ranks_without_counting_facets(library, personas):
    client = personas.client_for(personas.pharmacist_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/guidance/", {"q": "storage"})
    assert response.status_code == 200 and response.json()["count"] == 6
    ranking = [q["sql"] for q in queries if "ts_rank" in q["sql"]]
    assert len(ranking) == 1 and "jsonb_array_elements_text" not in ranking[0]
