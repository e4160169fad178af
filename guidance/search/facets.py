"""Facet counts for the search page: how many results each section, topic and ATMP class holds.

Counts follow the query, and each facet is counted with the other facets' filters applied but not
its own, so choosing a topic still shows how many results every other topic would give. One
query whatever the number of results. On PostgreSQL it counts in the database (the matches as a
materialised CTE, one GROUP BY per facet), so a common word's thousand matches are never sent
over; elsewhere it reads the matching documents' three facet columns and counts in Python.
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
        _values(*row) for row in matches.values_list(
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


# Column of the CTE, and how one value is read from it, per facet.
_SQL_FACETS = {
    "section": ("section", "SELECT %s AS facet, m.section AS code, count(*) FROM m"),
    "topic": ("topics", "SELECT %s, t, count(*) FROM m, jsonb_array_elements_text(m.topics) t"),
    "atmp_class": (
        "atmp_classes",
        "SELECT %s, c, count(*) FROM m, jsonb_array_elements_text(m.atmp_classes) c",
    ),
}


def _counts_postgresql(matches: QuerySet, selected: dict[str, str | None]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {name: Counter() for name in _SQL_FACETS}
    try:
        base, base_params = matches.values_list(
            "document__section", "document__topics", "document__atmp_classes"
        ).order_by().query.sql_with_params()
    except EmptyResultSet:  # .none(): nothing to count
        return counts
    parts, params = [], list(base_params)
    for name, (_, select) in _SQL_FACETS.items():
        conditions, condition_params = [], []
        for other, code in selected.items():
            if not code or other == name:
                continue
            if other == "section":
                conditions.append("m.section = %s")
                condition_params.append(code)
            else:
                conditions.append(f"m.{_SQL_FACETS[other][0]} @> %s::jsonb")
                condition_params.append(json.dumps([code]))
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        parts.append(f"{select}{where} GROUP BY 2")
        params += [name, *condition_params]
    sql = (
        f"WITH m(section, topics, atmp_classes) AS MATERIALIZED ({base}) "  # noqa: S608
        + " UNION ALL ".join(parts)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for name, code, count in cursor.fetchall():
            counts[name][code] = count
    return counts


def facet_counts(matches: QuerySet, selected: dict[str, str | None]) -> list[Facet]:
    """`matches`: the versions matching the query with no facet filter; `selected`: the filters."""
    if connection.vendor == "postgresql":
        counts = _counts_postgresql(matches, selected)
    else:
        counts = _counts_python(matches, selected)
    facets = []
    for name, label, choices in FACETS:
        options = [
            FacetOption(code, text, counts[name][code], selected.get(name) == code)
            for code, text in choices.choices
            if counts[name][code] or selected.get(name) == code
        ]
        facets.append(Facet(name, label, options))
    return facets
