"""Reads for the readiness checklist: one line per item (the list page), and one item in full
(its documents and history, for its own page and the form).

A constant number of queries whatever the size of the checklist or its history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Model

from atmp_portal.expiring import is_expiring
from sites.models import Capability, EvidenceDocument, Site, SiteCapability

FIELD_LABELS = {
    "status": "Status",
    "notes": "Notes",
    "not_applicable_reason": "Reason it does not apply",
    "evidence_expires_on": "Evidence expires on",
}
STATUS_LABELS = dict(SiteCapability.Status.choices)
NOT_RECORDED = "not_recorded"
NOT_RECORDED_LABEL = "Not recorded"
EMPTY = "(empty)"
# Settled: the site has decided (in place, or does not apply); what the category progress counts.
SETTLED = {SiteCapability.Status.IN_PLACE, SiteCapability.Status.NOT_APPLICABLE}
# An item the site has never recorded: its status, evidence expiry and number of evidence files.
_NOT_RECORDED_ROW = (NOT_RECORDED, None, 0)


@dataclass
class HistoryEntry:
    who: str
    when: dt.datetime
    reason: str
    created: bool
    changes: list[tuple[str, str, str]]
    evidence_added: list[str] = field(default_factory=list)


@dataclass
class ChecklistItem:
    capability: Capability
    site_capability: SiteCapability | None
    documents: list[EvidenceDocument] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    writable: bool = False
    form: Any = None
    conflict: SiteCapability | None = None
    conflict_by: str = ""
    saved_at: dt.datetime | None = None
    pending: EvidenceDocument | None = None  # kept from a submission that could not be saved
    needs: list | None = None  # trials and profiles that need it, when asked (reports)

    @property
    def version(self) -> int:
        return self.site_capability.version if self.site_capability else 0

    @property
    def status(self) -> str:
        return self.site_capability.status if self.site_capability else NOT_RECORDED

    @property
    def status_label(self) -> str:
        if self.site_capability is None:
            return NOT_RECORDED_LABEL
        return self.site_capability.get_status_display()

    @property
    def expires_on(self) -> dt.date | None:
        return self.site_capability.evidence_expires_on if self.site_capability else None

    @property
    def evidence_count(self) -> int:
        return len(self.documents)


class CatalogueEntry(NamedTuple):
    """The fields of a catalogue Capability a list line shows, read as values."""

    pk: int
    code: str
    name: str
    category: str


@dataclass
class ChecklistRow:
    """One item as the list page shows it: one line, no documents or history loaded.

    Read as values, not model instances (`checklist_rows`): building the 60 capabilities and
    the site's records as models was most of the list's read time (issue 14)."""

    capability: CatalogueEntry
    status: str  # a SiteCapability.Status, or NOT_RECORDED
    expires_on: dt.date | None
    evidence_count: int
    needs: list = field(default_factory=list)  # which trials and profiles need it (reports)
    url: str = ""  # its own page (reports)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, NOT_RECORDED_LABEL)

    @property
    def is_settled(self) -> bool:
        return self.status in SETTLED

    def is_expired(self, on: dt.date) -> bool:
        return self.expires_on is not None and self.expires_on < on

    def is_expiring(self, on: dt.date) -> bool:
        return is_expiring(self.expires_on, on)


def display_value(name: str, value: Any, model: type[Model] | None = None) -> str:
    """A recorded value as users read it elsewhere: a choice by its label (from `model`'s field,
    so every model's choices are covered: an action's "open" reads "Open"), a date as "1 March
    2027", a person (a user or a staff member) by name as the portal names them."""
    if value in (None, ""):
        return EMPTY
    choices = _choice_labels(model, name) if model is not None else {}
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value) or EMPTY
    if choices:
        return str(choices.get(value, value))
    if isinstance(value, Model):
        return person(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def _choice_labels(model: type[Model], name: str) -> dict:
    """The labels of a field's choices; for a list field (a staff member's roles), of its
    items, as the model names them in `ITEM_CHOICES` (read from the recorded model itself when
    `model` is its simple-history record)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return {}
    if field.choices:
        return dict(field.flatchoices)
    recorded = getattr(model, "instance_type", model)
    return dict(getattr(recorded, "ITEM_CHOICES", {}).get(name, ()))


def person(user: Model | None) -> str:
    if user is None:
        return "System"
    return getattr(user, "full_name", "") or getattr(user, "email", "") or str(user)


def history_entries(records: list, fields: dict[str, str] | None = None) -> list[HistoryEntry]:
    """Oldest-first historical rows of one item -> newest-first entries with old -> new values."""
    fields = fields or FIELD_LABELS
    entries = []
    previous = None
    for record in records:
        if previous is None:
            changes = [
                (fields[name], EMPTY, display_value(name, getattr(record, name), type(record)))
                for name in fields
                if getattr(record, name) not in (None, "")
            ]
        else:
            changes = [
                (
                    fields[name],
                    display_value(name, getattr(previous, name), type(record)),
                    display_value(name, getattr(record, name), type(record)),
                )
                for name in fields
                if getattr(previous, name) != getattr(record, name)
            ]
        entries.append(
            HistoryEntry(
                who=person(record.history_user),
                when=record.history_date,
                reason=record.history_change_reason or "",
                created=previous is None,
                changes=changes,
                evidence_added=getattr(record, "evidence_added", "").splitlines(),
            )
        )
        previous = record
    entries.reverse()
    return entries


def _history_by_item(site: Site, capability: Capability | None = None) -> dict[int, list]:
    records = SiteCapability.history.filter(site_id=site.pk)
    if capability is not None:
        records = records.filter(capability_id=capability.pk)
    grouped: dict[int, list] = defaultdict(list)
    for record in records.select_related("history_user").order_by("history_date", "history_id"):
        grouped[record.id].append(record)
    return grouped


def _item(
    capability: Capability, record: SiteCapability | None, history: dict[int, list], writable: bool
) -> ChecklistItem:
    return ChecklistItem(
        capability=capability,
        site_capability=record,
        documents=list(record.evidence.all()) if record else [],
        history=history_entries(history.get(record.pk, [])) if record else [],
        writable=writable,
    )


def checklist_rows(site: Site) -> list[ChecklistRow]:
    """Every catalogue capability in category order, one line each: two queries."""
    recorded = {
        capability_id: (status, expires_on, evidence_count)
        for capability_id, status, expires_on, evidence_count in SiteCapability.objects.filter(
            site=site
        )
        .values_list("capability_id", "status", "evidence_expires_on")
        .annotate(evidence_count=Count("evidence"))
    }
    catalogue = Capability.objects.order_by("category", "name").values_list(
        "pk", "code", "name", "category"
    )
    return [
        ChecklistRow(entry, *recorded.get(entry.pk, _NOT_RECORDED_ROW))
        for entry in map(CatalogueEntry._make, catalogue)
    ]


def checklist_item(site: Site, capability: Capability, *, writable: bool) -> ChecklistItem:
    record = (
        SiteCapability.objects.filter(site=site, capability=capability)
        .prefetch_related("evidence")
        .first()
    )
    return _item(capability, record, _history_by_item(site, capability), writable=writable)


def completion_by_category(site: Site) -> list[dict]:
    """Share of each category's catalogue the site has settled (in place or not applicable)."""
    statuses = dict(SiteCapability.objects.filter(site=site).values_list("capability_id", "status"))
    labels = dict(Capability.Category.choices)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pk, category in Capability.objects.values_list("pk", "category"):
        totals[category][1] += 1
        if statuses.get(pk) in SETTLED:
            totals[category][0] += 1
    return [
        {
            "category": labels[value],
            "done": totals[value][0],
            "total": totals[value][1],
            "percent": round(100 * totals[value][0] / totals[value][1]),
        }
        for value, _ in Capability.Category.choices
        if totals.get(value)
    ]
