"""The report document: what a report's PDF and CSV both show, built from assessments.

`report_document(report)` assesses the report's sites (reports.access.report_sites) with the
readiness engine and lays out its charts; reports/pdf.py and reports/csvexport.py render the
document and nothing else. This module imports neither of them, nor the job lifecycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from actions.selectors import Forecast, forecast, open_actions_by_key
from guidance import selectors as guidance_selectors
from reports import links, readiness
from reports.access import report_sites
from reports.models import ReadinessReport
from sites.models import Capability

Kind = ReadinessReport.Kind

CATEGORY_LABELS = {**dict(Capability.Category.choices), readiness.TRAINING: "Training"}
NO_REQUIREMENTS = "This {owner} has no requirements yet."
NO_SITES = "No sites in this report's scope are visible to its requester."


# Up to this many sites, a report lays out every gap in full and ranks the sites in a table.
FEW_SITES = 10
# A report of more sites is assessed in full this many sites at a time (the rest of the time it
# holds only each site's summary), so its memory does not grow with the number of sites; each
# chunk's gaps are one part of the PDF (reports.pdf renders parts in parallel and joins them).
PART_SITES = 50
# Ranking and expiring lines per PDF part.
PART_LINES = 500

BAR_LEFT = 190  # px: category or region names sit left of the bars
BAR_SPACE = 300  # px given to the longest bar
BAR_STEP = 26


@dataclass(frozen=True)
class Bar:
    """One horizontal bar of an SVG chart: `first` (met / ready) then `second` (gaps / not)."""

    label: str
    first: int
    second: int
    y: int
    first_width: float
    second_x: float
    second_width: float
    text_x: float

    @property
    def text_y(self) -> int:
        return self.y + 16


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]

    @property
    def height(self) -> int:
        return len(self.bars) * BAR_STEP + 8


def _chart(counts: dict[str, list[int]]) -> Chart:
    largest = max((a + b for a, b in counts.values()), default=0) or 1
    bars = []
    for index, (label, (first, second)) in enumerate(counts.items()):
        first_width = round(BAR_SPACE * first / largest, 1)
        second_width = round(BAR_SPACE * second / largest, 1)
        bars.append(
            Bar(
                label=label,
                first=first,
                second=second,
                y=index * BAR_STEP + 4,
                first_width=first_width,
                second_x=BAR_LEFT + first_width,
                second_width=second_width,
                text_x=BAR_LEFT + first_width + second_width + 6,
            )
        )
    return Chart(bars)


@dataclass(frozen=True)
class GuidanceLink:
    """A guidance document that helps close a requirement's gap, as the PDF prints it."""

    title: str
    url: str


CLOSES_DEFAULT = 'Status "in place" with current evidence'


def closes_with(requirement: readiness.Requirement) -> str:
    """What closes a gap of this requirement, in one line."""
    if requirement.kind == readiness.TRAINING:
        course = requirement.course_title or (requirement.closes_with or ("",))[0]
        return (
            f"Valid training in {course} for {requirement.min_staff} × "
            f"{requirement.role_label.lower()}"
        )
    return "; ".join(requirement.closes_with) or CLOSES_DEFAULT


@dataclass(frozen=True)
class GapEntry:
    """One gap of a site as the PDF lays it out: the row, what closes it, where, its guidance."""

    row: readiness.GapRow
    closes: str
    url: str
    guidance: list[GuidanceLink]


@dataclass(frozen=True)
class AppendixEntry:
    requirement: readiness.Requirement
    closes: str
    guidance: list[GuidanceLink]


@dataclass(frozen=True)
class ExpiringLine:
    """A site's met items that expire soon, kept (small) while its full assessment is not."""

    site_name: str
    ods_code: str
    items: list[tuple[str, dt.date | None]]


@dataclass
class ReportDocument:
    report: ReadinessReport
    scope_label: str
    requirement_owner: str
    requirement_set: readiness.RequirementSet
    assessments: list[readiness.SiteAssessment]
    generated_at: dt.datetime
    category_chart: Chart = field(default_factory=lambda: Chart([]))
    region_chart: Chart | None = None
    # Site reports: the site's open actions by requirement key (actions app), as of building.
    actions: dict[str, list] = field(default_factory=dict)
    # Requirement key -> the live guidance that helps close its gap (guidance.selectors).
    guidance: dict[str, list[GuidanceLink]] = field(default_factory=dict)
    # Reports of more than FEW_SITES sites: `assessments` are summaries (no rows); the full rows
    # come PART_SITES sites at a time from detail_chunks(), which fills these two as it goes.
    many: bool = False
    expiring_lines: list[ExpiringLine] = field(default_factory=list)
    category_counts: dict[str, list[int]] = field(default_factory=dict)

    @property
    def header(self) -> str:
        """The running header of every page but the first."""
        return f"{self.scope_label} · as of {self.report.as_of:%-d %B %Y}"

    def detail_chunks(self) -> Iterator[list[readiness.SiteAssessment]]:
        """A report of many sites: its sites' full assessments, PART_SITES at a time in ranked
        order (a constant number of queries each). As each chunk is read, the category chart's
        counts and the expiring list take it in, so both are complete once it is exhausted."""
        on, requirements = self.report.as_of, self.requirement_set
        for start in range(0, len(self.assessments), PART_SITES):
            sites = [a.site for a in self.assessments[start : start + PART_SITES]]
            chunk = readiness.assess(sites=sites, requirements=requirements, on=on)
            _add_category_counts(self.category_counts, chunk)
            self.expiring_lines += _expiring_lines(chunk)
            yield chunk
        self.category_chart = _chart(self.category_counts)

    def ranking_parts(self) -> Iterator[tuple[int, list[readiness.SiteAssessment]]]:
        """The ranking in parts of PART_LINES sites: (the first one's rank - 1, the sites)."""
        for start in range(0, len(self.assessments), PART_LINES):
            yield start, self.assessments[start : start + PART_LINES]

    def expiring_parts(self) -> list[list[ExpiringLine]]:
        lines = self.expiring_lines
        return [lines[start : start + PART_LINES] for start in range(0, len(lines), PART_LINES)]

    @property
    def no_requirements_message(self) -> str:
        return NO_REQUIREMENTS.format(owner=self.requirement_owner)

    @property
    def no_sites_message(self) -> str:
        return NO_SITES

    @property
    def single(self) -> readiness.SiteAssessment | None:
        return self.assessments[0] if len(self.assessments) == 1 else None

    @property
    def totals(self) -> dict[str, int]:
        return {
            "sites": len(self.assessments),
            "ready": sum(1 for a in self.assessments if a.ready),
            "blockers": sum(a.blockers for a in self.assessments),
            "warnings": sum(a.warnings for a in self.assessments),
            "expiring": sum(a.expiring for a in self.assessments),
            "met": sum(a.met for a in self.assessments),
        }

    @property
    def with_gaps(self) -> list[readiness.SiteAssessment]:
        return [a for a in self.assessments if a.blockers or a.warnings]

    def gap_entries(self, assessment: readiness.SiteAssessment) -> list[GapEntry]:
        return [
            GapEntry(
                row=row,
                closes=closes_with(row.requirement),
                url=links.gap_url(assessment.site.pk, row),
                guidance=self.guidance.get(row.requirement.key, []),
            )
            for row in assessment.gaps
        ]

    @property
    def sites_with_gaps(self) -> list[tuple[readiness.SiteAssessment, list[GapEntry]]]:
        """Each site with gaps, and (reports of up to FEW_SITES sites) its gaps laid out in full;
        a report of more lists each site's gaps in one paragraph (the template)."""
        few = len(self.assessments) <= FEW_SITES
        return [(a, self.gap_entries(a) if few else []) for a in self.with_gaps]

    @property
    def appendix(self) -> list[AppendixEntry]:
        return [
            AppendixEntry(
                requirement=r, closes=closes_with(r), guidance=self.guidance.get(r.key, [])
            )
            for r in self.requirement_set.requirements
        ]

    @property
    def action_plan(self) -> list[tuple[readiness.GapRow, list]]:
        """A site report's gaps, each with its open actions (none: no action planned)."""
        if self.single is None or self.report.kind != Kind.SITE:
            return []
        return [(row, self.actions.get(row.requirement.key, [])) for row in self.single.gaps]

    @property
    def forecast(self) -> Forecast | None:
        if self.single is None or self.report.kind != Kind.SITE:
            return None
        blockers = (row.requirement.key for row in self.single.gaps if row.is_blocker)
        return forecast(blockers, self.actions)

    @property
    def with_expiring(self) -> list[readiness.SiteAssessment]:
        return [a for a in self.assessments if a.expiring]


def _category_counts(assessments: list[readiness.SiteAssessment]) -> dict[str, list[int]]:
    return _add_category_counts({}, assessments)


def _add_category_counts(
    counts: dict[str, list[int]], assessments: list[readiness.SiteAssessment]
) -> dict[str, list[int]]:
    for assessment in assessments:
        for row in assessment.rows:
            label = CATEGORY_LABELS.get(row.requirement.category, row.requirement.category)
            pair = counts.setdefault(label, [0, 0])
            pair[0 if row.is_met else 1] += 1
    return counts


def _expiring_lines(assessments: list[readiness.SiteAssessment]) -> list[ExpiringLine]:
    return [
        ExpiringLine(
            a.site.name,
            a.site.ods_code,
            [(r.requirement.label, r.expires_on) for r in a.expiring_rows],
        )
        for a in assessments
        if a.expiring
    ]


def _region_counts(assessments: list[readiness.SiteAssessment]) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {}
    for assessment in sorted(assessments, key=lambda a: a.site.region.name):
        pair = counts.setdefault(assessment.site.region.name, [0, 0])
        pair[0 if assessment.ready else 1] += 1
    return counts


def _scope_label(report: ReadinessReport) -> str:
    if report.kind == Kind.SITE:
        return f"Site: {report.site.name} ({report.site.ods_code})"
    if report.kind == Kind.TRIAL:
        return f"Trial: {report.trial.short_title}, its participating sites"
    if report.kind == Kind.REGION:
        return f"Region: {report.region.name}"
    return "National: every site in the requester's scope"


def requirement_guidance(
    requirements: list[readiness.Requirement],
) -> dict[str, list[GuidanceLink]]:
    """Requirement key -> the guidance for its capabilities (any alternative) or its course.

    Two queries however many requirements or gaps (guidance.selectors)."""
    capability_codes = {code for r in requirements for code in r.capability_codes}
    course_codes = {r.course_code for r in requirements if r.course_code}
    by_capability = guidance_selectors.guidance_for_capabilities(capability_codes)
    by_course = guidance_selectors.guidance_for_courses(course_codes)
    base = settings.PORTAL_BASE_URL.rstrip("/")
    found: dict[str, list[GuidanceLink]] = {}
    for requirement in requirements:
        documents = {}
        codes = requirement.capability_codes
        for code_documents in [by_capability.get(code, []) for code in codes] + [
            by_course.get(requirement.course_code, [])
        ]:
            for doc in code_documents:
                documents.setdefault(doc.slug, doc)
        if documents:
            found[requirement.key] = [
                GuidanceLink(title=d.title, url=base + reverse("guidance:detail", args=[d.slug]))
                for d in documents.values()
            ]
    return found


def report_document(report: ReadinessReport) -> ReportDocument:
    """Assess the report's sites against its requirement set: a constant number of queries.

    Up to FEW_SITES sites, every row of every site; more, each site's summary (score, counts),
    the rows following PART_SITES sites at a time from ReportDocument.detail_chunks()."""
    if report.trial_id:
        requirement_set, owner = readiness.requirement_set_for_trial(report.trial), "trial"
    else:
        requirement_set = readiness.requirement_set_for_profile(report.profile)
        owner = "requirement profile"
    sites = list(report_sites(report).select_related("region").order_by("region__name", "name"))
    many = len(sites) > FEW_SITES
    assessments = readiness.rank(
        readiness.assess(
            sites=sites, requirements=requirement_set, on=report.as_of, summary_only=many
        )
    )
    document = ReportDocument(
        report=report,
        scope_label=_scope_label(report),
        requirement_owner=owner,
        requirement_set=requirement_set,
        assessments=assessments,
        generated_at=timezone.now(),
        category_chart=_chart({} if many else _category_counts(assessments)),
        guidance=requirement_guidance(requirement_set.requirements),
        many=many,
    )
    if not many:
        document.expiring_lines = _expiring_lines(assessments)
    if report.kind == Kind.SITE:
        document.actions = open_actions_by_key(report.site)
    if report.kind in (Kind.REGION, Kind.NATIONAL, Kind.TRIAL):
        document.region_chart = _chart(_region_counts(assessments))
    return document
