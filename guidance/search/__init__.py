"""Guidance search: PostgreSQL full-text search, with a substring fallback on SQLite.

Both paths search the current published version of every live (not retired) document, read the
query the same way (guidance.search.terms: websearch syntax, synonyms expanded, common words
dropped), rank a title match above a summary match above a body match, and accept any text at
all: quotes, operators, emoji or 1,000 characters give results or none, never an error.

A pharmacist types questions, not keywords: when fewer than `FEW_RESULTS` documents hold every
word, the search ranks the documents that hold most of them (and the page says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.db.models import QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.utils.safestring import SafeString

from accounts.models import User
from atmp_portal.enums import AtmpClass
from guidance import selectors
from guidance.models import GuidanceVersion, Section, Topic
from guidance.search import fallback, fulltext, snippets, suggest
from guidance.search.facets import Facet, facet_counts, facets_from
from guidance.search.terms import MAX_QUERY_CHARS, MAX_TERMS, ParsedQuery, normalise_query, parse

__all__ = [
    "FEW_RESULTS",
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "Found",
    "current_versions",
    "find",
    "normalise_query",
    "parse",
    "search",
    "search_fallback",
    "snippet_for",
]

FEW_RESULTS = 3


def current_versions(
    *, section: str | None = None, topic: str | None = None, atmp_class: str | None = None
) -> QuerySet[GuidanceVersion]:
    """The published version of every live document, narrowed by the facets given.

    An unknown facet code matches nothing rather than everything.
    """
    versions = selectors.current_versions()
    if section:
        versions = (
            versions.filter(document__section=section)
            if section in Section.values
            else (versions.none())
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


def _backend():
    return fulltext if connection.vendor == "postgresql" else fallback


def _ranked(
    versions: QuerySet,
    parsed: ParsedQuery,
    most_words: bool,
    filters: dict[str, str | None] | None = None,
) -> QuerySet:
    """The ranked search of `versions`; given the page's `filters` (PostgreSQL), its ranking
    statement also counts the facets (over every current version, then narrowed)."""
    if connection.vendor == "postgresql":
        search_ = fulltext.search_most_words if most_words else fulltext.search_all_words
        results = search_(versions, parsed)
        if filters is not None:
            results.count_facets_with(search_(current_versions(), parsed), filters)
        return results
    return fallback.search(versions, parsed, most_words=most_words)


@dataclass
class Found:
    """One search: its results (a lazy queryset, best first) and what the page says about them."""

    text: str
    parsed: ParsedQuery
    results: QuerySet[GuidanceVersion]
    filters: dict[str, str | None]
    most_words: bool = False

    def snippet(self, version: GuidanceVersion) -> SafeString:
        return snippets.snippet_for(version, self.parsed) if self.text else SafeString("")

    def facets(self) -> list[Facet]:
        """Counts per section, topic and ATMP class for this query.

        A full-text search counted them in its ranking statement (no query of their own);
        otherwise one query.
        """
        if isinstance(self.results, fulltext.SearchResults):
            counts = self.results.facet_counts()
            if counts is not None:
                return facets_from(counts, self.filters)
        matches = current_versions()
        if self.parsed:
            matches = _backend().matching(matches, self.parsed, most_words=self.most_words)
        elif self.text:
            matches = matches.none()
        return facet_counts(matches, self.filters)

    @cached_property
    def suggestion(self) -> str | None:
        """ "Did you mean": only when the words found little."""
        return suggest.did_you_mean(self.text) if self.text else None


def find(
    *,
    q: str | None,
    section: str | None = None,
    topic: str | None = None,
    atmp_class: str | None = None,
    user: User,
    facets: bool = True,
) -> Found:
    """Current guidance matching the query, best first, each result annotated with `rank`.

    With no query text the filtered guidance comes back in title order. `facets=False`: the
    ranking statement does not count the facets too (for callers that show none, the API).
    """
    filters = {"section": section, "topic": topic, "atmp_class": atmp_class}
    text = normalise_query(q)
    parsed = parse(text)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Found(text, parsed, GuidanceVersion.objects.none(), filters)
    versions = current_versions(**filters)
    if not text:
        return Found(
            text, parsed, versions.annotate(rank=Value(0.0)).order_by("title", "pk"), filters
        )
    if not parsed:
        return Found(text, parsed, versions.none(), filters)
    # The page counts facets in its ranking statement; callers with no facets skip that work.
    count_facets = filters if facets else None
    results = _ranked(versions, parsed, most_words=False, filters=count_facets)
    if parsed.can_match_most_words and _fewer_than(results, versions, parsed, FEW_RESULTS):
        most = _ranked(versions, parsed, most_words=True, filters=count_facets)
        return Found(text, parsed, most, filters, True)
    return Found(text, parsed, results, filters)


def _fewer_than(results: QuerySet, versions: QuerySet, parsed: ParsedQuery, n: int) -> bool:
    if isinstance(results, fulltext.SearchResults):
        # Counting full-text results ranks them once; the page then reuses that ranking.
        return results.count() < n
    return not fallback.has_at_least(versions, parsed, n)


def search(*, q: str | None, user: User, **filters) -> QuerySet[GuidanceVersion]:
    """The results of `find` alone (the API and callers that need no page furniture)."""
    return find(q=q, user=user, facets=False, **filters).results


def search_fallback(versions: QuerySet, text: str) -> QuerySet[GuidanceVersion]:
    """The SQLite path on any database, most-words included (the bench compares it)."""
    parsed = parse(text)
    most_words = parsed.can_match_most_words and not fallback.has_at_least(
        versions, parsed, FEW_RESULTS
    )
    return fallback.search(versions, parsed, most_words=most_words)


def snippet_for(version: GuidanceVersion, q: str | ParsedQuery | None) -> SafeString:
    """Safe HTML: body text around the query's words, in <mark>; "" when the body has none."""
    parsed = q if isinstance(q, ParsedQuery) else parse(normalise_query(q))
    return snippets.snippet_for(version, parsed)
