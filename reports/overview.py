"""The network coordinator's picture of a trial or profile across the sites in their scope:
how many are ready, and which requirements block the most sites.

Built from readiness.assess() only, so the figures are the ranking's figures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from reports import readiness
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


def most_common_blockers(assessments: list[readiness.SiteAssessment]) -> list[BlockerRow]:
    """Requirements by the number of sites they block, most first (ties by name).

    Needs full assessments (with rows), not summaries."""
    counts: Counter[str] = Counter()
    found: dict[str, readiness.Requirement] = {}
    for assessment in assessments:
        for row in assessment.rows:
            if row.outcome == readiness.BLOCKER:
                counts[row.requirement.key] += 1
                found[row.requirement.key] = row.requirement
    ordered = sorted(counts, key=lambda key: (-counts[key], found[key].label.lower(), key))
    return [
        BlockerRow(found[key].label, found[key].kind, counts[key], len(assessments))
        for key in ordered
    ]


def scope_summary(
    *, sites: Iterable[SiteRef], requirements: readiness.RequirementSet, on: dt.date
) -> ScopeSummary:
    assessments = readiness.assess(sites=sites, requirements=requirements, on=on)
    return ScopeSummary(
        label=requirements.label,
        on=on,
        sites=len(assessments),
        ready=sum(1 for a in assessments if a.ready),
        blockers=most_common_blockers(assessments),
    )
