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
from html import escape
from typing import NamedTuple

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from reports import readiness, ukmap
from reports.trend import MedianPercent, TrendPoint, median_score, readiness_trend
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
class RegionRow(MedianPercent):
    code: str
    name: str
    sites: int
    ready: int
    median_score: float | None


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


class MapMark(NamedTuple):  # a tuple: 5,000 of them at 10x, made cheaply
    assessment: readiness.SiteAssessment
    x: float
    y: float

    @property
    def label(self) -> str:
        a = self.assessment
        if a.ready:
            return f"{a.site.name}: ready"
        return f"{a.site.name}: not ready, {a.blockers} blocker{'' if a.blockers == 1 else 's'}"


# The marks' shapes, drawn once in the map's <defs> and placed by <use>: a circle for ready and
# a diamond for not ready (shape as well as colour). The <use> carries the colour class, which
# the shape inherits (and the focus outline with it).
MARK_SHAPES = (
    '<circle id="mark-ready" r="5"/>'
    '<polygon id="mark-not-ready" points="0,-5.5 5.5,0 0,5.5 -5.5,0"/>'
)
_PLACEHOLDER = 2_147_483_647


def marks_svg(marks: list[MapMark], query: str) -> SafeString:
    """Every mark as a link to the site's readiness page for the same query, named by its
    <title> (which is also the tooltip). Built here rather than in a template loop: at ten
    times the UK's sites that is 5,000 marks, and the template tag costs 40 times as much."""
    link = reverse("reports:site-readiness", args=[_PLACEHOLDER])
    suffix = escape(f"?{query}") if query else ""
    parts = []
    for mark in marks:
        shape, colour = (
            ("ready", "app-map__ready")
            if mark.assessment.ready
            else ("not-ready", "app-map__not-ready")
        )
        href = link.replace(str(_PLACEHOLDER), str(mark.assessment.site.pk))
        parts.append(
            f'<a href="{href}{suffix}"><title>{escape(mark.label)}</title>'
            f'<use href="#mark-{shape}" x="{mark.x:g}" y="{mark.y:g}" class="{colour}"/></a>'
        )
    return mark_safe("\n".join(parts))  # noqa: S308 (every value above is escaped or ours)


def map_marks(
    assessments: list[readiness.SiteAssessment], locations: dict[int, tuple]
) -> list[MapMark]:
    """A mark for each assessed site with a recorded location; not-ready sites last, so
    they are drawn on top."""
    marks = []
    project = ukmap.project
    for ready in (True, False):
        for assessment in assessments:
            if assessment.ready is ready and assessment.site.pk in locations:
                latitude, longitude = locations[assessment.site.pk]
                marks.append(MapMark(assessment, *project(float(latitude), float(longitude))))
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


def site_locations(sites: list[SiteRef]) -> dict[int, tuple]:
    """Site id → (latitude, longitude) for the sites with a recorded location: one query.

    Asked by the sites' regions (a handful of parameters) rather than by 5,000 site ids, whose
    placeholders alone cost the database driver a quarter of a second to lay out."""
    wanted = {site.pk for site in sites}
    rows = Site.objects.filter(
        region__code__in={site.region.code for site in sites},
        latitude__isnull=False,
        longitude__isnull=False,
    ).values_list("pk", "latitude", "longitude")
    return {pk: (latitude, longitude) for pk, latitude, longitude in rows if pk in wanted}


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
        marks=map_marks(assessments, site_locations(sites)),
        outline=ukmap.outline(),
        trend=readiness_trend(
            sites=sites, requirements=requirements, today=on, today_assessed=assessments
        ),
    )
