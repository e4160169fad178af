"""The stored vector has a GIN index, and the search query uses it (PostgreSQL only)."""

from __future__ import annotations

import pytest
from django.db import connection

from guidance import search as guidance_search
from tests.accounts.factories import UserFactory
from tests.guidance.factories import bulk_guidance, vocabulary_word

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN index is PostgreSQL only"),
]


def test_the_search_query_uses_the_gin_index():
    bulk_guidance(documents=500, versions_per_document=10)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE guidance_guidanceversion")
        cursor.execute("ANALYZE guidance_guidancedocument")
    results = guidance_search.search(q=vocabulary_word(4242), user=UserFactory())
    assert results.exists()
    sql, params = results.query.sql_with_params()
    with connection.cursor() as cursor:
        # At test size a sequential scan can still be the cheaper plan; forbid it so the plan
        # shows whether the index applies to this query at all (bench_search.py measures it
        # at 20,000 versions without this setting).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on guidance_version_search_gin" in plan, plan


def test_the_index_exists_as_gin():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'guidance_version_search_gin'"
        )
        [(definition,)] = cursor.fetchall()
    assert "USING gin (search_vector)" in definition
