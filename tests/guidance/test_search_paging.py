"""A page of full-text results: ranked on narrow rows, snippets for the page's rows only.

PostgreSQL only (the SQLite fallback is a plain queryset). What a search page costs is what a
Paginator does with the results: count(), then a slice.
"""

from __future__ import annotations

import re

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guidance import search as guidance_search
from guidance import services
from tests.accounts.factories import UserFactory
from tests.guidance.factories import bulk_guidance, publish_guidance

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL"),
]

PAGE = 20


def _page_queries(results, number: int = 1) -> tuple[list, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        page = Paginator(results, PAGE).get_page(number)
        rows = list(page.object_list)
    return rows, [query["sql"] for query in captured.captured_queries]


def _ids_in(sql: str) -> int:
    match = re.search(r'"guidance_guidanceversion"\."id" IN \(([^)]*)\)', sql)
    assert match, sql
    return len(match.group(1).split(","))


def test_it_serves_a_page_with_one_ranking_query_and_one_row_query_whatever_the_matches():
    user = UserFactory()
    bulk_guidance(documents=30)
    _, small = _page_queries(guidance_search.search(q="storage", user=user))
    bulk_guidance(documents=150, seed=1)
    rows, large = _page_queries(guidance_search.search(q="storage", user=user))
    assert len(small) == len(large) == 2
    assert len(rows) == PAGE
    ranking, page_rows = large
    # The ranking reads ids and ranks (and, in the same statement, the facet counts): no
    # snippet, no long text column, no COUNT query of its own.
    assert "ts_rank" in ranking and "ts_headline" not in ranking
    assert "body_text" not in ranking and "body_html" not in ranking and "summary" not in ranking
    # Snippets are computed for the page's rows alone.
    assert "ts_headline" in page_rows and _ids_in(page_rows) == PAGE


def test_it_pages_in_the_same_order_as_the_whole_ranking():
    user = UserFactory()
    bulk_guidance(documents=60)
    everything = list(guidance_search.search(q="storage", user=user))
    assert len(everything) > 2 * PAGE
    ranks = [v.rank for v in everything]
    assert ranks == sorted(ranks, reverse=True)
    results = guidance_search.search(q="storage", user=user)
    paginator = Paginator(results, PAGE)
    assert paginator.count == len(everything)
    paged = [v for number in paginator.page_range for v in paginator.page(number).object_list]
    assert [v.pk for v in paged] == [v.pk for v in everything]
    assert [v.rank for v in paged] == ranks


def test_it_gives_each_page_row_its_document_rank_and_snippet():
    publish_guidance(title="Thawing cell therapy", body="Thaw at the bedside.", slug="thawing")
    [version] = guidance_search.search(q="thaw", user=UserFactory())[:PAGE]
    with CaptureQueriesContext(connection) as captured:
        slug = version.document.slug
        snippet = guidance_search.snippet_for(version, "thaw")
    assert captured.captured_queries == []  # document loaded with the row
    assert slug == "thawing" and version.rank > 0
    assert "<mark>Thaw</mark>" in snippet


def test_it_ranks_afresh_when_counted_results_are_narrowed():
    user = UserFactory()
    publish_guidance(title="Thaw in pharmacy", slug="pharmacy", section="clinical_operational")
    publish_guidance(title="Thaw rules", slug="rules", section="governance_regulatory")
    results = guidance_search.search(q="thaw", user=user)
    assert results.count() == 2
    narrowed = results.filter(document__section="governance_regulatory")
    assert narrowed.count() == 1
    assert [v.document.slug for v in narrowed] == ["rules"]
    assert [v.document.slug for v in results[1:]] == [
        v.document.slug for v in guidance_search.search(q="thaw", user=user)
    ][1:]


def test_it_counts_without_ranking_when_only_values_are_asked_for():
    user = UserFactory()
    publish_guidance(title="Thaw in pharmacy", slug="pharmacy")
    assert guidance_search.search(q="thaw", user=user).values_list("pk").count() == 1
    assert guidance_search.search(q="thaw", user=user)[0].document.slug == "pharmacy"
    assert guidance_search.search(q="nothing here", user=user).count() == 0
    assert list(guidance_search.search(q="nothing here", user=user)[:PAGE]) == []


def test_it_leaves_retired_documents_out_of_count_and_page():
    user = UserFactory()
    kept = publish_guidance(title="Thaw kept", slug="kept")
    gone = publish_guidance(title="Thaw gone", slug="gone")
    services.document_retire(document=gone.document, user=UserFactory(is_guidance_editor=True))
    rows, _ = _page_queries(guidance_search.search(q="thaw", user=user))
    assert [v.pk for v in rows] == [kept.pk]


def test_it_keeps_search_vectors_in_line_and_the_gin_index_without_pending_list():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = "
            "'guidance_guidanceversion'::regclass AND attname = 'search_vector'"
        )
        assert cursor.fetchone() == ("m",)
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'guidance_version_search_gin'"
        )
        assert cursor.fetchone() == (["fastupdate=off"],)


def test_it_finds_retired_documents_through_a_partial_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'guidance_document_retired_idx'"
        )
        [(definition,)] = cursor.fetchall()
    assert definition.endswith("(id) WHERE (retired_at IS NOT NULL)"), definition
