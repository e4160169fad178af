"""Reads for the readiness checklist page: items by category, each with its documents and history.

A constant number of queries whatever the size of the checklist or its history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from sites.models import Capability, EvidenceDocument, Site, SiteCapability

FIELD_LABELS = {
    "status": "Status",
    "notes": "Notes",
    "not_applicable_reason": "Reason it does not apply",
    "evidence_expires_on": "Evidence expires on",
}
STATUS_LABELS = dict(SiteCapability.Status.choices)
EMPTY = "(empty)"


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

    @property
    def version(self) -> int:
        return self.site_capability.version if self.site_capability else 0

    @property
    def status_label(self) -> str:
        if self.site_capability is None:
            return "Not recorded"
        return self.site_capability.get_status_display()


@dataclass
class ChecklistCategory:
    value: str
    label: str
    items: list[ChecklistItem]

    @property
    def slug(self) -> str:
        return self.value.replace("_", "-")


def display_value(name: str, value: Any) -> str:
    if value in (None, ""):
        return EMPTY
    if name == "status":
        return STATUS_LABELS.get(value, value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or EMPTY
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


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
                (fields[name], EMPTY, display_value(name, getattr(record, name)))
                for name in fields
                if getattr(record, name) not in (None, "")
            ]
        else:
            changes = [
                (
                    fields[name],
                    display_value(name, getattr(previous, name)),
                    display_value(name, getattr(record, name)),
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


def checklist_for(site: Site, writable_categories: set[str]) -> list[ChecklistCategory]:
    """Every catalogue capability, grouped by category, with the site's record where it has one."""
    recorded = {
        sc.capability_id: sc
        for sc in SiteCapability.objects.filter(site=site).prefetch_related("evidence")
    }
    history = _history_by_item(site)
    labels = dict(Capability.Category.choices)
    grouped: dict[str, list[ChecklistItem]] = defaultdict(list)
    for capability in Capability.objects.order_by("category", "name"):
        grouped[capability.category].append(
            _item(
                capability, recorded.get(capability.pk), history,
                writable=capability.category in writable_categories,
            )
        )
    return [
        ChecklistCategory(value=value, label=labels[value], items=grouped[value])
        for value, _ in Capability.Category.choices
        if grouped.get(value)
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
    settled = {
        SiteCapability.Status.IN_PLACE,
        SiteCapability.Status.NOT_APPLICABLE,
    }
    statuses = dict(
        SiteCapability.objects.filter(site=site).values_list("capability_id", "status")
    )
    labels = dict(Capability.Category.choices)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pk, category in Capability.objects.values_list("pk", "category"):
        totals[category][1] += 1
        if statuses.get(pk) in settled:
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
