"""The dashboard's expiry list: what has expired and what expires soon, each linked to where it
is renewed, filtered by kind (capability evidence, training) and by trial."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms

from atmp_portal.forms import Form
from training.expiry import EVIDENCE, TRAINING, ExpiringItem


class ExpiryFilterForm(Form):
    error_subjects = {"trial": "the trial"}

    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[
            ("", "Evidence and training"),
            (EVIDENCE, "Capability evidence"),
            (TRAINING, "Training"),
        ],
    )
    trial = forms.ChoiceField(label="Needed by", required=False)

    def __init__(self, *args, trials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trial"].choices = [
            ("", "Any trial"),
            *((str(t.pk), t.short_title) for t in trials),
        ]


@dataclass
class ExpiryRow:
    item: ExpiringItem
    days_left: int
    url: str

    @property
    def days_ago(self) -> int:
        return -self.days_left


@dataclass
class ExpiryLists:
    form: ExpiryFilterForm
    expired: list[ExpiryRow]
    expiring: list[ExpiryRow]
    filtered: bool


def expiry_lists(*, items, trials, trial_assessments, params, on: dt.date):
    """Split `items` (training.expiry.expiring_items) into expired and expiring after the
    filters in `params`; `trial_assessments` are the trials' (for what each needs)."""
    form = ExpiryFilterForm(params or None, trials=trials)
    data = form.cleaned_data if form.is_valid() else {}
    needed = None
    if data.get("trial"):
        by_pk = {str(t.pk): a for t, a in zip(trials, trial_assessments, strict=True)}
        requirement_set = by_pk[data["trial"]].requirement_set
        needed = (requirement_set.capability_ids, requirement_set.course_ids)
    rows = []
    for item in items:
        if data.get("kind") and item.kind != data["kind"]:
            continue
        if needed and not (item.capability_id in needed[0] or item.course_id in needed[1]):
            continue
        rows.append(ExpiryRow(item, item.days_left(on), item.path))
    return ExpiryLists(
        form=form,
        expired=[r for r in rows if r.days_left < 0],
        expiring=[r for r in rows if r.days_left >= 0],
        filtered=bool(data.get("kind") or data.get("trial")),
    )
