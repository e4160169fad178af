"""Facet counts for the search page: how many results each section, topic and ATMP class holds.

Counts follow the query, and each facet is counted with the other facets' filters applied but not
its own, so choosing a topic still shows how many results every other topic would give. One
query whatever the number of results: the matching documents' three facet columns.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

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


def facet_counts(matches: QuerySet, selected: dict[str, str | None]) -> list[Facet]:
    """`matches`: the versions matching the query with no facet filter; `selected`: the filters."""
    rows = [
        _values(*row) for row in matches.values_list(
            "document__section", "document__topics", "document__atmp_classes"
        ).order_by()
    ]
    facets = []
    for name, label, choices in FACETS:
        others = {k: v for k, v in selected.items() if v and k != name}
        counts: Counter[str] = Counter()
        for values in rows:
            if all(code in values[k] for k, code in others.items()):
                counts.update(values[name])
        options = [
            FacetOption(code, text, counts[code], selected.get(name) == code)
            for code, text in choices.choices
            if counts[code] or selected.get(name) == code
        ]
        facets.append(Facet(name, label, options))
    return facets
