"""Guidance search: PostgreSQL full-text search, with an icontains fallback on SQLite.

Both paths search the current published version of every live (not retired) document, rank a
title match above a summary match above a body match, and accept any text at all: quotes,
operators, emoji or 1,000 characters give results or none, never an error.

On PostgreSQL a paginated page of results costs two queries (see `SearchResults`): one ranks
the matching versions on narrow rows (id and ts_rank, no join), which also gives the count; the
other loads the page's rows with their documents and computes ts_headline for them only.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    Case,
    F,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.db.models.query import ModelIterable
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from atmp_portal.enums import AtmpClass
from guidance import selectors
from guidance.models import (
    GuidanceVersion,
    GuidanceVersionQuerySet,
    Section,
    Topic,
)
from guidance.services import SEARCH_CONFIG

# Longer queries are cut here: nobody types more, and it bounds the work one request can cause.
MAX_QUERY_CHARS = 200
# The fallback builds one condition per term; more terms than this are ignored.
MAX_FALLBACK_TERMS = 10
# PostgreSQL's defaults for D, C, B, A made explicit: title (A) > summary (B) > body (C).
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]
# Fallback scores, per query term, for the best field it appears in.
TITLE_SCORE, SUMMARY_SCORE, BODY_SCORE = 3, 2, 1
SNIPPET_CHARS = 220

_WORD_CHARS = re.compile(r"[\W_]+", re.UNICODE)
_TOKENS = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def normalise_query(q: str | None) -> str:
    """The query as searched: control characters out, whitespace collapsed, length capped."""
    text = "".join(ch if ch.isprintable() else " " for ch in (q or ""))
    return " ".join(text.split())[:MAX_QUERY_CHARS].strip()


def current_versions(
    *, section: str | None = None, topic: str | None = None, atmp_class: str | None = None
) -> QuerySet[GuidanceVersion]:
    """The published version of every live document, narrowed by the facets given.

    An unknown facet code matches nothing rather than everything.
    """
    versions = selectors.current_versions()
    if section:
        versions = versions.filter(document__section=section) if section in Section.values else (
            versions.none()
        )
    for code, allowed, field_name in (
        (topic, Topic.values, "topics"),
        (atmp_class, AtmpClass.values, "atmp_classes"),
    ):
        if not code:
            continue
        if code not in allowed:
            return versions.none()
        versions = _json_list_contains(versions, field_name, code)
    return versions


def _json_list_contains(versions: QuerySet, field_name: str, code: str) -> QuerySet:
    if connection.vendor == "postgresql":
        return versions.filter(**{f"document__{field_name}__contains": [code]})
    # SQLite has no JSON containment: match the quoted code in the stored JSON text. Codes are
    # validated against the choices above, so they hold no quotes and cannot match partially.
    alias = f"_{field_name}_text"
    return versions.alias(
        **{alias: Cast(f"document__{field_name}", output_field=TextField())}
    ).filter(**{f"{alias}__contains": f'"{code}"'})


def search(
    *,
    q: str | None,
    section: str | None = None,
    topic: str | None = None,
    atmp_class: str | None = None,
    user: User,
) -> QuerySet[GuidanceVersion]:
    """Current guidance matching the query, best first, each annotated with `rank`.

    On PostgreSQL each result also carries `headline` (see `snippet_for`). With no query text the
    filtered guidance comes back in title order.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return GuidanceVersion.objects.none()
    versions = current_versions(section=section, topic=topic, atmp_class=atmp_class)
    text = normalise_query(q)
    if not text:
        return versions.annotate(rank=Value(0.0)).order_by("title", "pk")
    if connection.vendor == "postgresql":
        return search_fulltext(versions, text)
    return search_fallback(versions, text)


def _prefix_query(text: str) -> SearchQuery | None:
    """`word:*` for the last word as typed, so "cryo" finds "cryopreserved".

    The word is reduced to letters and digits before it reaches to_tsquery, so its syntax
    cannot be broken. Excluded words, OR and words inside an open quote get no prefix.
    """
    tokens = text.split()
    if not tokens or text.count('"') % 2 == 1:
        return None
    last = tokens[-1]
    if last.startswith("-") or last.upper() == "OR" or last.endswith('"'):
        return None
    word = _WORD_CHARS.sub("", last)
    if not word:
        return None
    prefix = SearchQuery(f"{word}:*", search_type="raw", config=SEARCH_CONFIG)
    rest = tokens[:-1]
    if rest and rest[-1].upper() == "OR":
        return prefix
    if rest:
        # "gene therap" means gene AND therap*, not anything containing therap*.
        return SearchQuery(" ".join(rest), search_type="websearch", config=SEARCH_CONFIG) & prefix
    return prefix


def build_tsquery(text: str) -> SearchQuery:
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    prefix = _prefix_query(text)
    return query | prefix if prefix is not None else query


def _headline(query: SearchQuery) -> SearchHeadline:
    return SearchHeadline(
        Concat("summary", Value(" "), "body_text", output_field=TextField()),
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
            .annotate(headline=_headline(results._tsquery))
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
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._iterable_class = _RankedPage
        self._tsquery: SearchQuery | None = None
        self._ranking: list[tuple[int, float]] | None = None

    def _clone(self):
        clone = super()._clone()
        clone._tsquery = self._tsquery
        return clone

    def count(self) -> int:
        ranks_rows = self._iterable_class is _RankedPage  # not after values() or values_list()
        if self._result_cache is not None or self.query.is_sliced or not ranks_rows:
            return super().count()
        if self._ranking is None:
            self._ranking = list(self.values_list("pk", "rank"))
        return len(self._ranking)

    def __getitem__(self, k):
        counted = self._ranking is not None and self._result_cache is None
        if counted and isinstance(k, slice) and k.step is None:
            page = super().__getitem__(k)
            page._ranking = self._ranking[k]
            return page
        return super().__getitem__(k)


def search_fulltext(versions: QuerySet, text: str) -> QuerySet[GuidanceVersion]:
    query = build_tsquery(text)
    ranked = (
        versions.filter(search_vector=query)
        # No headline here: _RankedPage computes it for the rows of the page alone.
        .annotate(rank=SearchRank(F("search_vector"), query, weights=RANK_WEIGHTS))
        .order_by("-rank", "title", "pk")
    )
    results = SearchResults(model=GuidanceVersion, query=ranked.query, using=ranked.db)
    results._tsquery = query
    return results


@dataclass
class _TermGroup:
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)


def parse_terms(text: str) -> list[_TermGroup]:
    """The websearch syntax, read the same way for the fallback: "phrases", -exclusion, OR."""
    groups = [_TermGroup()]
    count = 0
    for negated, phrase, word in _TOKENS.findall(text):
        if count >= MAX_FALLBACK_TERMS:
            break
        if word and word.upper() == "OR":
            if groups[-1].include or groups[-1].exclude:
                groups.append(_TermGroup())
            continue
        if word:
            negated = "-" if word.startswith("-") else ""
            # "gene-therapy" is two words, as PostgreSQL's parser reads it.
            terms = [part for part in _WORD_CHARS.split(word) if part]
        else:
            terms = [" ".join(phrase.split())] if phrase.strip() else []
        for term in terms:
            (groups[-1].exclude if negated else groups[-1].include).append(term)
            count += 1
    return [group for group in groups if group.include or group.exclude]


def _anywhere(term: str) -> Q:
    return (
        Q(title__icontains=term) | Q(summary__icontains=term) | Q(body_text__icontains=term)
    )


def search_fallback(versions: QuerySet, text: str) -> QuerySet[GuidanceVersion]:
    """icontains on title, summary and body; a term in the title scores 3, summary 2, body 1."""
    groups = parse_terms(text)
    if not groups:
        return versions.none()
    condition = Q()
    for group in groups:
        matches = Q()
        for term in group.include:
            matches &= _anywhere(term)
        for term in group.exclude:
            matches &= ~_anywhere(term)
        condition |= matches
    terms = list(dict.fromkeys(term for group in groups for term in group.include))
    score = Value(0)
    for term in terms:
        score = score + Case(
            When(title__icontains=term, then=Value(TITLE_SCORE)),
            When(summary__icontains=term, then=Value(SUMMARY_SCORE)),
            When(body_text__icontains=term, then=Value(BODY_SCORE)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return (
        versions.filter(condition)
        .annotate(rank=score)
        .order_by("-rank", "title", "pk")
    )


def sanitise_headline(headline: str) -> SafeString:
    """ts_headline returns document text with <mark> tags: keep the marks, escape the rest."""
    cleaned = nh3.clean(headline or "", tags={"mark"}, attributes={}, strip_comments=True)
    return mark_safe(cleaned)  # noqa: S308 - nh3 allows only bare <mark>


def _fallback_snippet(version: GuidanceVersion, text: str) -> SafeString:
    source = f"{version.summary} {version.body_text}".strip()
    terms = [t for group in parse_terms(text) for t in group.include]
    lowered = source.lower()
    positions = [lowered.find(t.lower()) for t in terms]
    positions = [p for p in positions if p >= 0]
    start = max(0, min(positions) - SNIPPET_CHARS // 3) if positions else 0
    excerpt = source[start : start + SNIPPET_CHARS]
    escaped = html.escape(excerpt)
    if terms:
        pattern = re.compile(
            "|".join(re.escape(html.escape(t)) for t in sorted(terms, key=len, reverse=True)),
            re.IGNORECASE,
        )
        escaped = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped)
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + SNIPPET_CHARS < len(source) else ""
    return mark_safe(f"{prefix}{escaped}{suffix}")  # noqa: S308 - built from escaped text


def snippet_for(version: GuidanceVersion, q: str | None) -> SafeString:
    """Safe HTML: a short excerpt of the version with the query's words in <mark>."""
    headline = getattr(version, "headline", None)
    if headline:
        return sanitise_headline(headline)
    return _fallback_snippet(version, normalise_query(q))
