"""The checklist page: a site's items one line each, grouped by category, filtered and searched,
with which trials and profiles need each item and whether it is a gap for them.

It lives in reports because "which trials need it" is the readiness engine's answer
(docs/architecture.md); the items themselves are sites' (`sites.checklist`). A fixed number of
queries whatever the size of the catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.urls import reverse

from accounts.models import User
from atmp_portal.forms import Form
from reports import readiness
from reports.selectors import site_trials_and_profiles
from sites.checklist import NOT_RECORDED, NOT_RECORDED_LABEL, ChecklistRow, checklist_rows
from sites.models import Capability, Site, SiteCapability

EXPIRING, EXPIRED, NO_EVIDENCE = "expiring", "expired", "none"


@dataclass(frozen=True)
class Need:
    """A trial or profile that asks for a capability, and what the site's record means for it."""

    kind: str  # "Trial" or "Requirement profile"
    key: str  # "trial-<pk>" or "profile-<code>": the filter's value
    label: str
    level: str  # the requirement's level label (Mandatory, Recommended)
    outcome: readiness.Outcome

    @property
    def is_gap(self) -> bool:
        return not self.outcome.is_met


@dataclass
class ChecklistGroup:
    value: str
    label: str
    rows: list[ChecklistRow]  # the rows that pass the filters
    settled: int  # of the whole category, filters aside
    total: int

    @property
    def slug(self) -> str:
        return self.value.replace("_", "-")

    @property
    def percent(self) -> int:
        return round(100 * self.settled / self.total) if self.total else 0


@dataclass
class ChecklistPage:
    groups: list[ChecklistGroup]
    form: ChecklistFilterForm
    total: int
    shown: int
    filtered: bool


class ChecklistFilterForm(Form):
    error_subjects = {"q": "the search text", "gaps_for": "the trial or profile"}

    q = forms.CharField(label="Search item names", required=False, max_length=100)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Any status"),
            *SiteCapability.Status.choices,
            (NOT_RECORDED, NOT_RECORDED_LABEL),
        ],
    )
    gaps_for = forms.ChoiceField(label="Gaps for a trial or profile", required=False)
    evidence = forms.ChoiceField(label="Evidence", required=False)

    def __init__(self, *args, sets: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gaps_for"].choices = [("", "Any trial or profile"), *sets]
        self.fields["evidence"].choices = [
            ("", "Any evidence"),
            (EXPIRING, f"Expiring within {readiness.expiring_days()} days"),
            (EXPIRED, "Expired"),
            (NO_EVIDENCE, "No evidence uploaded"),
        ]


def needs_by_capability(
    site: Site, user: User, on: dt.date
) -> tuple[dict[int, list[Need]], list[tuple[str, str]]]:
    """For each capability, the trials and profiles that need it; and those sets as choices.

    Only the capability requirements are assessed: a checklist item is a capability, so the
    training rows (and the staff training they read) would be thrown away."""
    trials, profiles = site_trials_and_profiles(user, site)
    trial_sets, profile_sets = readiness.requirement_sets(trials=trials, profiles=profiles)
    sets = [trial_sets[t.pk] for t in trials] + [profile_sets[p.pk] for p in profiles]
    capabilities_only = [
        readiness.RequirementSet(
            s.label, [r for r in s.requirements if r.kind == readiness.CAPABILITY]
        )
        for s in sets
    ]
    assessments = readiness.assess_site(site=site, requirement_sets=capabilities_only, on=on)
    by_trial, by_profile = assessments[: len(trials)], assessments[len(trials) :]
    labelled = [("Trial", f"trial-{t.pk}", a) for t, a in zip(trials, by_trial, strict=True)]
    labelled += [
        ("Requirement profile", f"profile-{p.code}", a)
        for p, a in zip(profiles, by_profile, strict=True)
    ]
    needs: dict[int, list[Need]] = defaultdict(list)
    for kind, key, assessment in labelled:
        for row in assessment.rows:
            for pk in row.requirement.capability_ids:
                needs[pk].append(
                    Need(
                        kind=kind,
                        key=key,
                        label=assessment.requirement_set.label,
                        level=row.requirement.level_label,
                        outcome=row.outcome,
                    )
                )
    choices = [
        (key, f"{assessment.requirement_set.label} ({kind.lower()})")
        for kind, key, assessment in labelled
    ]
    return needs, choices


def _passes(row: ChecklistRow, data: dict, on: dt.date) -> bool:
    q = (data.get("q") or "").strip().casefold()
    if q and q not in row.capability.name.casefold():
        return False
    if data.get("status") and row.status != data["status"]:
        return False
    if data.get("gaps_for") and not any(n.key == data["gaps_for"] and n.is_gap for n in row.needs):
        return False
    evidence = data.get("evidence")
    return not (
        (evidence == EXPIRING and not row.is_expiring(on))
        or (evidence == EXPIRED and not row.is_expired(on))
        or (evidence == NO_EVIDENCE and row.evidence_count)
    )


def checklist_page(*, site: Site, user: User, params, on: dt.date) -> ChecklistPage:
    """The list page's groups after the filters in `params` (a GET query; bad values ignored
    with the form's message by the field)."""
    needs, sets = needs_by_capability(site, user, on)
    form = ChecklistFilterForm(params or None, sets=sets)
    data = form.cleaned_data if form.is_valid() else {}
    rows = checklist_rows(site)
    labels = dict(Capability.Category.choices)
    by_category: dict[str, list[ChecklistRow]] = defaultdict(list)
    # Each item's page is under the list's URL (reports/urls.py): one reverse, not one a row.
    list_url = reverse("reports:checklist", args=[site.pk])
    for row in rows:
        row.needs = needs.get(row.capability.pk, [])
        row.url = f"{list_url}{row.capability.pk}/"
        by_category[row.capability.category].append(row)
    groups = [
        ChecklistGroup(
            value=value,
            label=labels[value],
            rows=[row for row in by_category[value] if _passes(row, data, on)],
            settled=sum(1 for row in by_category[value] if row.is_settled),
            total=len(by_category[value]),
        )
        for value, _ in Capability.Category.choices
        if by_category.get(value)
    ]
    return ChecklistPage(
        groups=groups,
        form=form,
        total=len(rows),
        shown=sum(len(g.rows) for g in groups),
        filtered=any(data.values()),
    )
