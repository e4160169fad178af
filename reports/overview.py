"""The network coordinator's picture of a trial or profile across the sites in their scope:
how many are ready, and which requirements block the most sites.

Built from the readiness engine's summaries (`readiness.assess_with_blockers`: the ranking's
counts, and the sites each requirement blocks), so the figures are the ranking's figures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from reports import readiness, ukmap
from reports.trend import TrendPoint, median_score, readiness_trend
from sites.models import Site
from sites.selectors import SiteRef


@dataclass(frozen=True)
class BlockerRow:
    requirement: str
    kind: str
    sites_blocked: int
    sites_assessed: int

    @property
    def kind_label(self) -> str:
        return "Training" if self.kind == readiness.TRAINING else "Capability"


@dataclass(frozen=True)
class ScopeSummary:
    label: str
    on: dt.date
    sites: int
    ready: int
    blockers: list[BlockerRow]


def most_common_blockers(
    blocked: Counter[str], requirements: readiness.RequirementSet, sites_assessed: int
) -> list[BlockerRow]:
    """Requirements by the number of sites they block, most first (ties by name), from
    `readiness.assess_with_blockers`' counts (requirement key → sites blocked)."""
    found = {requirement.key: requirement for requirement in requirements.requirements}
    ordered = sorted(blocked, key=lambda key: (-blocked[key], found[key].label.lower(), key))
    return [
        BlockerRow(found[key].label, found[key].kind, blocked[key], sites_assessed)
        for key in ordered
    ]


def scope_summary(
    *, sites: Iterable[SiteRef], requirements: readiness.RequirementSet, on: dt.date
) -> ScopeSummary:
    """Sites, ready sites and the most common blockers: one query on PostgreSQL."""
    assessments, blocked = readiness.assess_with_blockers(
        sites=sites, requirements=requirements, on=on
    )
    return ScopeSummary(
        label=requirements.label,
        on=on,
        sites=len(assessments),
        ready=sum(1 for a in assessments if a.ready),
        blockers=most_common_blockers(blocked, requirements, len(assessments)),
    )


# --- the national / regional overview -------------------------------------------------------


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    sites: int
    ready: int
    median_score: float | None

    @property
    def median_percent(self) -> int | None:
        return None if self.median_score is None else round(self.median_score * 100)


def region_rollup(assessments: list[readiness.SiteAssessment]) -> list[RegionRow]:
    """Sites, ready sites and the median score per region, by region name."""
    by_region: dict[tuple[str, str], list[readiness.SiteAssessment]] = defaultdict(list)
    for assessment in assessments:
        region = assessment.site.region
        by_region[(region.name, region.code)].append(assessment)
    return [
        RegionRow(code, name, len(rows), sum(1 for a in rows if a.ready), median_score(rows))
        for (name, code), rows in sorted(by_region.items())
    ]


@dataclass(frozen=True)
class MapMark:
    assessment: readiness.SiteAssessment
    x: float
    y: float

    @property
    def diamond(self) -> str:
        """The not-ready mark's corners (a diamond, so it differs from the ready circle by
        shape, not only colour)."""
        r = 5.5
        x, y = self.x, self.y
        return f"{x:g},{y - r:g} {x + r:g},{y:g} {x:g},{y + r:g} {x - r:g},{y:g}"


def map_marks(
    assessments: list[readiness.SiteAssessment], locations: dict[int, tuple]
) -> list[MapMark]:
    """A mark for each assessed site with a recorded location; not-ready sites last, so
    they are drawn on top."""
    marks = []
    for assessment in sorted(assessments, key=lambda a: a.ready, reverse=True):
        latitude, longitude = locations.get(assessment.site.pk, (None, None))
        if latitude is not None and longitude is not None:
            x, y = ukmap.project(float(latitude), float(longitude))
            marks.append(MapMark(assessment, x, y))
    return marks


@dataclass(frozen=True)
class Overview:
    requirement_set: readiness.RequirementSet
    on: dt.date
    assessments: list[readiness.SiteAssessment]  # ranked
    regions: list[RegionRow]
    blockers: list[BlockerRow]
    marks: list[MapMark]
    outline: ukmap.MapOutline | None
    trend: list[TrendPoint]

    @property
    def ready(self) -> int:
        return sum(1 for a in self.assessments if a.ready)

    @property
    def unplaced(self) -> int:
        return len(self.assessments) - len(self.marks)


def site_locations(site_ids: list[int]) -> dict[int, tuple]:
    """Site id → (latitude, longitude): one query."""
    return {
        pk: (latitude, longitude)
        for pk, latitude, longitude in Site.objects.filter(pk__in=site_ids).values_list(
            "pk", "latitude", "longitude"
        )
    }


def build_overview(
    *, sites: list[SiteRef], requirements: readiness.RequirementSet, on: dt.date
) -> Overview:
    """Everything the overview page shows: the sites' summaries and the blockers (one query
    on PostgreSQL), their locations (one) and the trend (trend.py)."""
    assessments, blocked = readiness.assess_with_blockers(
        sites=sites, requirements=requirements, on=on
    )
    assessments = readiness.rank(assessments)
    return Overview(
        requirement_set=requirements,
        on=on,
        assessments=assessments,
        regions=region_rollup(assessments),
        blockers=most_common_blockers(blocked, requirements, len(assessments)),
        marks=map_marks(assessments, site_locations([s.pk for s in sites])),
        outline=ukmap.outline(),
        trend=readiness_trend(sites=sites, requirements=requirements, today=on,
                              today_assessed=assessments),
    )
