"""PostgreSQL full-text search of guidance: GIN-indexed tsvector, ts_rank, ts_headline.

A parsed query (guidance.search.terms) becomes a tsquery: each concept an OR of its alternatives
(phraseto_tsquery for each, so stemming and stop words are PostgreSQL's own), concepts ANDed
within a group, groups ORed. The most-words form ORs every concept and ranks by how many of them
a document matches first, then by ts_rank.

A paginated page of results costs two queries (see `SearchResults`): one ranks the matching
versions on narrow rows (id and rank), which also gives the count and, for the search page, the
facet counts (guidance.search.facets.ranking_with_counts); the other loads the page's rows with
their documents and computes ts_headline for them only.
"""

from __future__ import annotations

from functools import reduce

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Case, F, FloatField, IntegerField, QuerySet, Value, When
from django.db.models.functions import Collate, Least
from django.db.models.query import ModelIterable

from guidance.models import GuidanceVersion, GuidanceVersionQuerySet
from guidance.search.facets import ranking_with_counts
from guidance.search.snippets import snippet_source
from guidance.search.terms import Alternative, Concept, Group, ParsedQuery
from guidance.services import SEARCH_CONFIG

# PostgreSQL's defaults for D, C, B, A made explicit: title (A) > summary (B) > body (C).
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]
# Best first; equal ranks (common for a one-word query) by title in byte order, as SQLite's
# fallback orders them: the database's own collation compares each tie through strcoll (about
# 6% of the ranking statement's CPU for a common word's 2,000 matches).
TITLE_BYTES = Collate("title", "C")
RESULT_ORDER = ("-rank", TITLE_BYTES.asc(), "pk")


def _alternative(alternative: Alternative) -> SearchQuery:
    if alternative.prefix:
        # Words hold letters and digits only (terms.words_of): to_tsquery's syntax is safe.
        return SearchQuery(f"{alternative.words[-1]}:*", search_type="raw", config=SEARCH_CONFIG)
    return SearchQuery(alternative.text, search_type="phrase", config=SEARCH_CONFIG)


def _any(queries: list[SearchQuery]) -> SearchQuery:
    return reduce(lambda a, b: a | b, queries)


def concept_query(concept: Concept) -> SearchQuery:
    return _any([_alternative(a) for a in concept.alternatives])


def _group_query(group: Group, includes: SearchQuery) -> SearchQuery:
    for concept in group.exclude:
        # not (a or b) = not a and not b: Django negates a single SearchQuery only.
        for alternative in concept.alternatives:
            includes = includes & ~_alternative(alternative)
    return includes


def all_words_query(parsed: ParsedQuery) -> SearchQuery:
    """Every concept of a group (and none of its exclusions); any group."""
    return _any(
        [
            _group_query(g, reduce(lambda a, b: a & b, [concept_query(c) for c in g.include]))
            for g in parsed.groups
        ]
    )


def any_words_query(parsed: ParsedQuery) -> SearchQuery:
    """Any concept of the (single) group, none of its exclusions: the most-words candidates."""
    group = parsed.groups[0]
    return _group_query(group, _any([concept_query(c) for c in group.include]))


def _headline(query: SearchQuery) -> SearchHeadline:
    return SearchHeadline(
        snippet_source(),
        query,
        config=SEARCH_CONFIG,
        start_sel="<mark>",
        stop_sel="</mark>",
        max_words=35,
        min_words=15,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


class _RankedPage(ModelIterable):
    """Late row lookup: rank on narrow rows, then load only the rows asked for, with snippets.

    Ranking every matching version while carrying whole rows (three text columns, the search
    vector, the document) through the sort costs more than the ranking itself; so the ranking
    query selects only (id, rank), in rank order and with the queryset's slice, and a second
    query loads those ids with their documents and computes ts_headline for them alone. Rows
    come back in ranking order, each with `rank` and `headline`. When the results were counted
    first (a paginator does), the ranking is already known and only the second query runs.
    """

    def __iter__(self):
        results: SearchResults = self.queryset
        ranked = results._ranking
        if ranked is None:
            ranked = list(results.values_list("pk", "rank"))
        if not ranked:
            return
        rows = (
            GuidanceVersion.objects.filter(pk__in=[pk for pk, _ in ranked])
            .select_related("document")
            # A result shows title, summary and snippet: the long texts stay in the database.
            .defer("body_markdown", "body_html", "search_vector")
            .annotate(headline=_headline(results._highlight))
            .order_by()
        )
        by_pk = {version.pk: version for version in rows}
        for pk, rank in ranked:
            version = by_pk.get(pk)
            if version is None:  # deleted between the two queries
                continue
            version.rank = rank
            yield version


class SearchResults(GuidanceVersionQuerySet):
    """Full-text results: counting them ranks them, so a paginator's page needs no second ranking.

    `count()` runs the ranking query once for the whole result (ids and ranks only, in order)
    instead of a separate COUNT(*) over the same matches; slicing the counted queryset (as
    Paginator.page does) takes the page's ids from that ranking. Any other change (filter,
    order_by) makes a new queryset that ranks afresh.

    `count_facets_with` makes that one ranking statement count the facets too: it is given the
    same search with no facet filter and the filters, and ranks and counts from one read of the
    matches; `facet_counts` then needs no statement of its own.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._iterable_class = _RankedPage
        self._highlight: SearchQuery | None = None
        self._ranking: list[tuple[int, float]] | None = None
        # Not cloned: a filtered or reordered copy ranks afresh, without facets.
        self._facets_from: tuple[QuerySet, dict] | None = None
        self._facet_counts: dict | None = None

    def count_facets_with(self, unfiltered: QuerySet, selected: dict) -> None:
        """Rank `unfiltered` (this search without facet filters) narrowed by `selected` instead
        of running this queryset's own SQL, counting the facets in the same statement."""
        self._facets_from = (unfiltered, selected)

    def facet_counts(self) -> dict | None:
        """The facet counts of the ranking statement (ranking first if need be), or None."""
        if self._facets_from is None:
            return None
        self.count()
        return self._facet_counts

    def _rank(self) -> list[tuple[int, float]]:
        if self._facets_from is not None:
            ranking, self._facet_counts = ranking_with_counts(*self._facets_from)
            return ranking
        return list(self.values_list("pk", "rank"))

    def _clone(self):
        clone = super()._clone()
        clone._highlight = self._highlight
        return clone

    def count(self) -> int:
        ranks_rows = self._iterable_class is _RankedPage  # not after values() or values_list()
        if self._result_cache is not None or self.query.is_sliced or not ranks_rows:
            return super().count()
        if self._ranking is None:
            self._ranking = self._rank()
        return len(self._ranking)

    def __getitem__(self, k):
        counted = self._ranking is not None and self._result_cache is None
        if counted and isinstance(k, slice) and k.step is None:
            page = super().__getitem__(k)
            page._ranking = self._ranking[k]
            return page
        return super().__getitem__(k)


def _results(ranked: QuerySet, highlight: SearchQuery) -> SearchResults:
    results = SearchResults(model=GuidanceVersion, query=ranked.query, using=ranked.db)
    results._highlight = highlight
    return results


def matching(versions: QuerySet, parsed: ParsedQuery, *, most_words: bool) -> QuerySet:
    query = any_words_query(parsed) if most_words else all_words_query(parsed)
    return versions.filter(search_vector=query)


def search_all_words(versions: QuerySet, parsed: ParsedQuery) -> SearchResults:
    query = all_words_query(parsed)
    ranked = (
        versions.filter(search_vector=query)
        # No headline here: _RankedPage computes it for the rows of the page alone.
        .annotate(rank=SearchRank(F("search_vector"), query, weights=RANK_WEIGHTS))
        .order_by(*RESULT_ORDER)
    )
    return _results(ranked, any_words_query(parsed) if parsed.can_match_most_words else query)


def search_most_words(versions: QuerySet, parsed: ParsedQuery) -> SearchResults:
    """Documents matching any word, those matching more of them first, then by ts_rank.

    rank = words matched + ts_rank capped below 1, so the count of words decides first.
    """
    query = any_words_query(parsed)
    matched = sum(
        (
            Case(
                When(search_vector=concept_query(c), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            for c in parsed.concepts
        ),
        Value(0),
    )
    ranked = (
        versions.filter(search_vector=query)
        .annotate(
            rank=matched
            + Least(
                SearchRank(F("search_vector"), query, weights=RANK_WEIGHTS),
                Value(0.99),
                output_field=FloatField(),
            )
        )
        .order_by(*RESULT_ORDER)
    )
    return _results(ranked, query)
