"""Facet counts for the search page: how many results each section, topic and ATMP class holds.

Counts follow the query, and each facet is counted with the other facets' filters applied but not
its own, so choosing a topic still shows how many results every other topic would give. On
PostgreSQL a full-text search counts them in its ranking statement (`ranking_with_counts`: the
unfiltered matches as a materialised CTE, read once, then the filtered ranking and one GROUP BY
per facet over it), so the page pays for one pass over the matches, not two, and a common word's
thousand matches are never sent over for counting. Without query text (or any other queryset)
`facet_counts` counts in one statement of its own; elsewhere (SQLite) it reads the matching
documents' three facet columns and counts in Python.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet, TextChoices

from atmp_portal.enums import AtmpClass
from guidance.models import Section, Topic


@dataclass(frozen=True)
class FacetOption:
    code: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str  # the query parameter
    label: str
    options: list[FacetOption]


FACETS: tuple[tuple[str, str, type[TextChoices]], ...] = (
    ("section", "Section", Section),
    ("topic", "Handling topic", Topic),
    ("atmp_class", "ATMP class", AtmpClass),
)


def _values(section: str, topics: list[str], classes: list[str]) -> dict[str, set[str]]:
    return {"section": {section}, "topic": set(topics or []), "atmp_class": set(classes or [])}


def _counts_python(matches: QuerySet, selected: dict[str, str | None]) -> dict[str, Counter]:
    rows = [
        _values(*row)
        for row in matches.values_list(
            "document__section", "document__topics", "document__atmp_classes"
        ).order_by()
    ]
    counts: dict[str, Counter] = {}
    for name, _, _ in FACETS:
        others = {k: v for k, v in selected.items() if v and k != name}
        counts[name] = Counter()
        for values in rows:
            if all(code in values[k] for k, code in others.items()):
                counts[name].update(values[name])
    return counts


# Column of the CTE, and how one value is read from it, per facet ({pad}: the ranking's columns
# when the counts share a statement with it).
_SQL_FACETS = {
    "section": ("section", "SELECT %s::text, m.section::text, {pad}count(*) FROM m"),
    "topic": (
        "topics",
        "SELECT %s::text, t, {pad}count(*) FROM m, jsonb_array_elements_text(m.topics) t",
    ),
    "atmp_class": (
        "atmp_classes",
        "SELECT %s::text, c, {pad}count(*) FROM m, jsonb_array_elements_text(m.atmp_classes) c",
    ),
}


def _where(selected: dict[str, str | None], *, but: str | None = None) -> tuple[str, list]:
    """SQL conditions on the CTE `m` for the chosen filters (except facet `but`'s own)."""
    conditions, params = [], []
    for name, code in selected.items():
        if not code or name == but:
            continue
        if name == "section":
            conditions.append("m.section = %s")
            params.append(code)
        else:  # an unknown code matches nothing, as current_versions() does
            conditions.append(f"m.{_SQL_FACETS[name][0]} @> %s::jsonb")
            params.append(json.dumps([code]))
    return (f" WHERE {' AND '.join(conditions)}" if conditions else ""), params


def _facet_selects(selected: dict[str, str | None], pad: str = "") -> tuple[list[str], list]:
    parts, params = [], []
    for name, (_, select) in _SQL_FACETS.items():
        where, where_params = _where(selected, but=name)
        parts.append(f"{select.format(pad=pad)}{where} GROUP BY 2")
        params += [name, *where_params]
    return parts, params


def _empty_counts() -> dict[str, Counter]:
    return {name: Counter() for name in _SQL_FACETS}


def _counts_postgresql(matches: QuerySet, selected: dict[str, str | None]) -> dict[str, Counter]:
    counts = _empty_counts()
    try:
        base, base_params = (
            matches.values_list("document__section", "document__topics", "document__atmp_classes")
            .order_by()
            .query.sql_with_params()
        )
    except EmptyResultSet:  # .none(): nothing to count
        return counts
    parts, params = _facet_selects(selected)
    sql = (
        f"WITH m(section, topics, atmp_classes) AS MATERIALIZED ({base}) "  # noqa: S608
        + " UNION ALL ".join(parts)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*base_params, *params])
        for name, code, count in cursor.fetchall():
            counts[name][code] = count
    return counts


def ranking_with_counts(
    ranked: QuerySet, selected: dict[str, str | None]
) -> tuple[list[tuple[int, float]], dict[str, Counter]]:
    """One statement: the filtered ranking (ids and ranks, best first) and the facet counts.

    `ranked`: the full-text matches with no facet filter, annotated with `rank`; they are
    ordered as fulltext.RESULT_ORDER orders them (rank, title in byte order, id). The matches are read once, into a materialised CTE with
    their documents' facet columns; the ranking takes the rows passing every filter, and each
    facet counts the rows passing the other facets' filters. PostgreSQL only.
    """
    counts = _empty_counts()
    try:
        base, base_params = (
            ranked.values_list(
                "pk",
                "rank",
                "title",
                "document__section",
                "document__topics",
                "document__atmp_classes",
            )
            .order_by()
            .query.sql_with_params()
        )
    except EmptyResultSet:
        return [], counts
    where, where_params = _where(selected)
    # Ranking rows: (NULL, NULL, id, rank, position); facet rows: (facet, code, NULL, NULL, count).
    parts, params = _facet_selects(selected, pad="NULL::bigint, NULL::text, ")
    sql = (
        "WITH m(id, rank, title, section, topics, atmp_classes) AS MATERIALIZED "  # noqa: S608
        f"({base}) "
        # The rank as text, read as psycopg reads the rank's own type (real or double).
        "SELECT NULL::text, NULL::text, m.id, m.rank::text, "
        f'row_number() OVER (ORDER BY m.rank DESC, m.title COLLATE "C", m.id) FROM m{where} '
        "UNION ALL " + " UNION ALL ".join(parts)
    )
    ranking = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*base_params, *where_params, *params])
        for name, code, pk, rank, n in cursor.fetchall():
            if name is None:
                ranking.append((n, pk, float(rank)))
            else:
                counts[name][code] = n
    ranking.sort()
    return [(pk, rank) for _, pk, rank in ranking], counts


def facet_counts(matches: QuerySet, selected: dict[str, str | None]) -> list[Facet]:
    """`matches`: the versions matching the query with no facet filter; `selected`: the filters."""
    if connection.vendor == "postgresql":
        counts = _counts_postgresql(matches, selected)
    else:
        counts = _counts_python(matches, selected)
    return facets_from(counts, selected)


def facets_from(counts: dict[str, Counter], selected: dict[str, str | None]) -> list[Facet]:
    """The facets as the page shows them: every option with results, and the chosen one."""
    facets = []
    for name, label, choices in FACETS:
        options = [
            FacetOption(code, text, counts[name][code], selected.get(name) == code)
            for code, text in choices.choices
            if counts[name][code] or selected.get(name) == code
        ]
        facets.append(Facet(name, label, options))
    return facets
