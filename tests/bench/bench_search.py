"""Guidance search at 20,000 versions: full-text (GIN) against the same search done with ILIKE.

Adds 2,000 documents x 10 versions (9 of each superseded) inside a transaction that is rolled back,
so the bench database keeps only its seeded data. For each query the time counted is database
time for what the search page runs: its Paginator's count() and first page of 20, ranked, with
snippets. Database time is the sum over the page's SQL statements of the time Django's
cursor.execute takes (connection.execute_wrapper): server time plus the loopback round trip and
the transfer of the rows, not the Python that builds model instances or renders snippets.
The ILIKE figure is the fallback search (guidance.search.search_fallback: Django's icontains,
which PostgreSQL runs as UPPER(...) LIKE UPPER(...)) on the same rows and queries.
"""

from __future__ import annotations

import statistics
import time

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import F

from guidance import search as guidance_search
from guidance.search import fulltext as fulltext_search
from guidance.services import SEARCH_CONFIG
from tests.accounts.factories import UserFactory
from tests.guidance.factories import bulk_guidance, vocabulary_word

# 20,000 versions as a guidance library grows them: 2,000 documents, 10 versions each. Only the
# current version of each is searchable, so the full-text path ranks up to 2,000 rows.
DOCUMENTS = 2_000
VERSIONS_PER_DOCUMENT = 10
ROUNDS = 10
PAGE = 20
TARGET_P95_MS = 20.0
QUERIES = [
    "storage",
    "thaw",
    "infusion patient",
    '"temperature record"',
    "courier -label",
    "cassette OR freezer",
    "cryo",
    "pharm",
    vocabulary_word(42),
    vocabulary_word(4242),
    f"{vocabulary_word(7)} dose",
    "no such words here",
    # Synonyms expanded (LN2 = liquid nitrogen, alarm = alert), most-words ranking, a misspelling.
    "liquid nitrogen alarm",
    "how do I check a dry shipper delivery",
    "tocilizumab crs",
    "spilage",
]
# Common words with a facet, reported on their own row (not part of the target figure).
FILTERED = [
    ("storage", {"topic": "storage"}),
    ("thaw", {"atmp_class": "sctmp"}),
    ("pharm", {"section": "clinical_operational"}),
    ("infusion patient", {"topic": "waste"}),
]


class _DatabaseTimer:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def _page_db_ms(results) -> float:
    """Database time of a search page: what guidance.views.guidance_list asks of the results.

    Given a `Found` (the page's own search), that is also the facet counts and, when the words
    found little, "did you mean"; given a bare queryset (the ILIKE row), the page alone.
    """
    timer = _DatabaseTimer()
    found = results if isinstance(results, guidance_search.Found) else None
    with connection.execute_wrapper(timer):
        page = Paginator(found.results if found else results, PAGE).get_page(1)
        for version in page.object_list:
            guidance_search.snippet_for(version, "")
        if found:
            found.facets()
            if found.most_words or not page.paginator.count:
                _ = found.suggestion
    return timer.seconds * 1000


def _measure(make_results, queries=None) -> list[float]:
    samples = []
    for _ in range(ROUNDS):
        for q, filters in queries or [(q, {}) for q in QUERIES]:
            samples.append(_page_db_ms(make_results(q, **filters)))
    return samples


def _p(samples: list[float], pct: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1]


def run(report: list[str]) -> None:
    report.append("## Guidance search")
    report.append("")
    if connection.vendor != "postgresql":
        report.append("Skipped: needs PostgreSQL.")
        return
    # Earlier runs' rolled-back rows stay in the table and its indexes as dead entries until a
    # vacuum: clear them first, so the figures do not depend on when autovacuum last ran.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE guidance_guidanceversion")
        cursor.execute("VACUUM ANALYZE guidance_guidancedocument")
    with transaction.atomic():
        started = time.perf_counter()
        created = bulk_guidance(
            documents=DOCUMENTS, versions_per_document=VERSIONS_PER_DOCUMENT, seed=20_000
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE guidance_guidanceversion")
            cursor.execute("ANALYZE guidance_guidancedocument")
            cursor.execute("SELECT count(*) FROM guidance_guidanceversion")
            total = cursor.fetchone()[0]
        load_s = time.perf_counter() - started
        user = UserFactory(email="bench.search@nhs.example")

        def fulltext(q, **filters):
            return guidance_search.find(q=q, user=user, **filters)

        def before(q, **filters):
            """The search as it was before synonyms, most-words and facets (commit 4bee9db):
            websearch_to_tsquery with a prefix on the last word; the page = count + page."""
            versions = guidance_search.current_versions(**filters)
            text = guidance_search.normalise_query(q)
            query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
            words = text.replace('"', " ").split()
            last = words[-1] if words else ""
            if last.isalnum() and last.upper() != "OR":
                query = query | SearchQuery(f"{last}:*", search_type="raw", config=SEARCH_CONFIG)
            ranked = (
                versions.filter(search_vector=query)
                .annotate(
                    rank=SearchRank(F("search_vector"), query, weights=fulltext_search.RANK_WEIGHTS)
                )
                .order_by("-rank", "title", "pk")
            )
            results = fulltext_search.SearchResults(
                model=ranked.model, query=ranked.query, using=ranked.db
            )
            results._highlight = query
            return results

        def ilike(q, **filters):
            return guidance_search.search_fallback(
                guidance_search.current_versions(**filters), guidance_search.normalise_query(q)
            )

        # Warm both paths once so the first sample does not pay for cold caches alone.
        _measure_once = [_page_db_ms(fulltext(q)) + _page_db_ms(ilike(q)) for q in QUERIES]
        del _measure_once
        fts = _measure(fulltext)
        old = _measure(before)
        like = _measure(ilike)
        faceted = _measure(fulltext, FILTERED)
        # The ranking statement a page runs, for a selective query (a word in most documents
        # is rightly read without the index).
        ranking = fulltext(vocabulary_word(4242)).results.values_list("pk", "rank")
        sql, params = ranking.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            uses_gin = any("guidance_version_search_gin" in row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)

    verdict = "meets" if _p(fts, 95) <= TARGET_P95_MS else "MISSES"
    report += [
        f"{total:,} guidance versions ({created:,} added for this run: {DOCUMENTS:,} documents "
        f"x {VERSIONS_PER_DOCUMENT} versions, all but the last superseded; "
        f"loaded and indexed in {load_s:.1f} s). {len(QUERIES)} queries x {ROUNDS} rounds. "
        f"Measured: database time per search page as the search view runs it "
        f"(count, the first {PAGE} ranked results with snippets, the facet counts, and "
        "'did you mean' when the words found little), synonyms expanded: the time of every SQL "
        "statement of the page through Django's execute_wrapper (server time, loopback round "
        "trip and row transfer; not Python). Full-text page: one ranking statement (ids and "
        "ranks of all matches, which also gives the count and the facet counts) and one for "
        "the page's rows with ts_headline; a question whose every word finds fewer than 3 "
        "documents first runs the all-words ranking, then the most-words one, and 'did you "
        "mean'. ILIKE page: COUNT(*), then the page.",
        "",
        "| search | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|",
        f"| full-text (synonyms, most-words, prefix, GIN, ts_rank, ts_headline, facets) "
        f"| {_p(fts, 50):.1f} | {_p(fts, 95):.1f} | {max(fts):.1f} |",
        f"| same queries, the search as it was before (websearch_to_tsquery + prefix; count and "
        f"page only), same run | {_p(old, 50):.1f} | {_p(old, 95):.1f} | {max(old):.1f} |",
        f"| same queries with ILIKE (icontains fallback) "
        f"| {_p(like, 50):.1f} | {_p(like, 95):.1f} | {max(like):.1f} |",
        f"| full-text, common words with a section/topic/ATMP class filter ({len(FILTERED)} "
        f"queries, not in the target figure) "
        f"| {_p(faceted, 50):.1f} | {_p(faceted, 95):.1f} | {max(faceted):.1f} |",
        "",
        f"Full-text p95 {verdict} the {TARGET_P95_MS:.0f} ms target; "
        f"ILIKE/full-text p95 ratio {_p(like, 95) / max(_p(fts, 95), 0.001):.1f}x; "
        f"new/before p95 ratio {_p(fts, 95) / max(_p(old, 95), 0.001):.1f}x (synonyms, "
        "most-words, facets and did-you-mean together, measured in the same run). "
        f"Plan for a selective query uses the GIN index: {'yes' if uses_gin else 'no'}. "
        "Queries for words found in most documents (storage, infusion patient, pharm*) rank "
        "every current version and set the p95; rare words take a few milliseconds.",
    ]
