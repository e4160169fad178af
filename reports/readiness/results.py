"""What an assessment returns: a row per requirement, and the site's score and readiness."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from reports.readiness.outcome import Outcome
from reports.readiness.requirements import CAPABILITY, TRAINING, Requirement, RequirementSet
from sites.models import Site, SiteCapability
from sites.selectors import SiteRef

_STATUS_LABELS = {**dict(SiteCapability.Status.choices), "no_record": "No record"}


@dataclass
class GapRow:
    requirement: Requirement
    outcome: Outcome
    detail: str
    met_by: str = ""
    status: str = ""
    expires_on: dt.date | None = None
    expired_on: dt.date | None = None
    trained_staff: list[str] = field(default_factory=list)
    trained_count: int = 0
    needed: int = 0

    @property
    def is_met(self) -> bool:
        return self.outcome.is_met

    @property
    def is_gap(self) -> bool:
        return not self.outcome.is_met

    @property
    def is_blocker(self) -> bool:
        return self.outcome == Outcome.BLOCKER

    @property
    def is_warning(self) -> bool:
        return self.outcome == Outcome.WARNING

    @property
    def is_expiring(self) -> bool:
        return self.outcome == Outcome.EXPIRING

    @property
    def status_label(self) -> str:
        return _STATUS_LABELS.get(self.status, self.status)


@dataclass
class SiteAssessment:
    """One site against one requirement set. From `assess(summary_only=True)` it has the same
    score, readiness and counts, but `rows` is empty (so are the properties built on it)."""

    site: Site | SiteRef  # the ranking passes SiteRefs: it shows only names, codes and regions
    on: dt.date
    requirement_set: RequirementSet
    rows: list[GapRow]
    score: float | None
    ready: bool
    blockers: int
    warnings: int
    expiring: int
    met: int

    @property
    def score_percent(self) -> int | None:
        return None if self.score is None else round(self.score * 100)

    @property
    def gaps(self) -> list[GapRow]:
        return [row for row in self.rows if row.is_gap]

    @property
    def capability_gaps(self) -> list[GapRow]:
        return [row for row in self.gaps if row.requirement.kind == CAPABILITY]

    @property
    def training_gaps(self) -> list[GapRow]:
        return [row for row in self.gaps if row.requirement.kind == TRAINING]

    @property
    def expiring_rows(self) -> list[GapRow]:
        return [row for row in self.rows if row.outcome == Outcome.EXPIRING]

    @property
    def met_rows(self) -> list[GapRow]:
        return [row for row in self.rows if row.outcome == Outcome.MET]

    @property
    def mandatory_total(self) -> int:
        return sum(1 for row in self.rows if row.requirement.is_mandatory)

    @property
    def mandatory_met(self) -> int:
        return sum(1 for row in self.rows if row.requirement.is_mandatory and row.is_met)


def from_counts(
    site: Site | SiteRef,
    on: dt.date,
    requirements: RequirementSet,
    counts: Mapping[Outcome, int],  # every outcome, or a Counter
    met_mandatory: int,
    rows: list[GapRow] | None = None,
    mandatory: int | None = None,
) -> SiteAssessment:
    """Score and readiness from the outcome counts, however they were counted (`mandatory`:
    the set's number of mandatory requirements, when the caller has counted it once for many
    sites)."""
    if mandatory is None:
        mandatory = requirements.mandatory_count
    return SiteAssessment(
        site=site,
        on=on,
        requirement_set=requirements,
        rows=rows if rows is not None else [],
        score=(met_mandatory / mandatory) if mandatory else None,
        ready=counts[Outcome.BLOCKER] == 0,
        blockers=counts[Outcome.BLOCKER],
        warnings=counts[Outcome.WARNING],
        expiring=counts[Outcome.EXPIRING],
        met=counts[Outcome.MET],
    )


def from_rows(
    site: Site | SiteRef,
    on: dt.date,
    requirements: RequirementSet,
    rows: list[GapRow],
    keep_rows: bool = True,
) -> SiteAssessment:
    counts = Counter(row.outcome for row in rows)
    met_mandatory = sum(1 for row in rows if row.requirement.is_mandatory and row.is_met)
    return from_counts(site, on, requirements, counts, met_mandatory, rows if keep_rows else [])
