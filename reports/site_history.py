"""A site's change history: its checklist, evidence, staff, training records and action plan.

The dashboard shows the latest changes; site coordinators download the whole history as CSV
for an inspection (MHRA GxP data integrity: who, when, what changed from what to what, why).
One query per kind of record, whatever the size of the history.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import F, Value

from actions.models import GapAction
from actions.selectors import HISTORY_FIELDS as ACTION_FIELDS
from actions.selectors import action_history_rows
from sites.checklist import FIELD_LABELS as CHECKLIST_FIELDS
from sites.checklist import display_value, person
from sites.models import EvidenceDocument, Site, SiteCapability
from training.models import StaffMember, TrainingRecord

RECENT_CHANGES = 10
ACTIONS = {"+": "added", "~": "changed", "-": "removed"}
STAFF_FIELDS = {
    "full_name": "Name",
    "email": "Work e-mail",
    "roles": "Roles",
    "job_title": "Job title",
    "registration_number": "Registration number",
    "active": "In post",
    "left_on": "Left on",
}
TRAINING_FIELDS = {
    "completed_on": "Completed on",
    "expiry_override": "Expiry on the certificate",
    "certificate_id": "Certificate (document number)",
    "notes": "Notes",
}
CSV_COLUMNS = [
    "when",
    "who",
    "who_email",
    "record",
    "record_id",
    "item",
    "action",
    "changes",
    "reason",
]
# Spreadsheet programs run a cell that starts with these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Change:
    when: dt.datetime
    who: str
    who_email: str
    record: str  # Checklist, Evidence, Staff, Training, Action
    record_id: int
    item: str
    action: str
    reason: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def what(self) -> str:
        return f"{self.record}: {self.item} {self.action}"


def _change(h, record: str, item: str, changes=None) -> Change:
    return Change(
        when=h.history_date,
        who=person(h.history_user),
        who_email=getattr(h.history_user, "email", "") if h.history_user else "",
        record=record,
        record_id=h.id,
        item=item,
        action=ACTIONS[h.history_type],
        reason=h.history_change_reason or "",
        changes=changes or [],
    )


def _diffs(rows: Iterable, fields: dict[str, str]) -> Iterator[tuple[object, list]]:
    """Oldest-first history rows of many records -> (row, [(label, old, new)]) per row."""
    previous: dict[int, object] = {}
    for row in rows:
        before = previous.get(row.id)
        changes = []
        for name, label in fields.items():
            new = getattr(row, name)
            old = getattr(before, name) if before is not None else None
            if old != new and not (before is None and new in (None, "", [])):
                changes.append(
                    (
                        label,
                        display_value(name, old, type(row)),
                        display_value(name, new, type(row)),
                    )
                )
        previous[row.id] = row
        yield row, changes


def _checklist(site: Site, full: bool, limit: int | None) -> list[Change]:
    rows = SiteCapability.history.filter(site_id=site.pk).select_related(
        "history_user", "capability"
    )
    if not full:
        return [
            _change(h, "Checklist", h.capability.name)
            for h in rows.order_by("-history_date", "-history_id")[:limit]
        ]
    changes = []
    for h, diff in _diffs(rows.order_by("history_date", "history_id"), CHECKLIST_FIELDS):
        diff += [("Evidence added", "", name) for name in h.evidence_added.splitlines()]
        changes.append(_change(h, "Checklist", h.capability.name, diff))
    return changes


def _staff(site: Site, full: bool, limit: int | None) -> list[Change]:
    rows = StaffMember.history.filter(site_id=site.pk).select_related("history_user")
    if not full:
        return [
            _change(h, "Staff", h.full_name)
            for h in rows.order_by("-history_date", "-history_id")[:limit]
        ]
    return [
        _change(h, "Staff", h.full_name, diff)
        for h, diff in _diffs(rows.order_by("history_date", "history_id"), STAFF_FIELDS)
    ]


def _training_item(h) -> str:
    return f"{h.staff.full_name}, {h.course.title}"


def _training(site: Site, full: bool, limit: int | None) -> list[Change]:
    rows = TrainingRecord.history.filter(staff__site_id=site.pk).select_related(
        "history_user", "staff", "course"
    )
    if not full:
        return [
            _change(h, "Training", _training_item(h))
            for h in rows.order_by("-history_date", "-history_id")[:limit]
        ]
    return [
        _change(h, "Training", _training_item(h), diff)
        for h, diff in _diffs(rows.order_by("history_date", "history_id"), TRAINING_FIELDS)
    ]


def _evidence(site: Site) -> list[Change]:
    """Uploads: an evidence file is never changed or deleted, so its upload is its history."""
    return [
        Change(
            when=doc.uploaded_at,
            who=person(doc.uploaded_by),
            who_email=doc.uploaded_by.email,
            record="Evidence",
            record_id=doc.pk,
            item=doc.original_name,
            action="uploaded",
            reason="",
            changes=[
                (
                    "File",
                    "",
                    f"{doc.original_name} ({doc.content_type}, {doc.size} bytes, "
                    f"SHA-256 {doc.sha256})",
                )
            ],
        )
        for doc in EvidenceDocument.objects.filter(site=site).select_related("uploaded_by")
    ]


def _actions(site: Site) -> list[Change]:
    rows = action_history_rows(GapAction.history.filter(site_id=site.pk))
    return [
        _change(h, "Action", h.requirement_label, diff) for h, diff in _diffs(rows, ACTION_FIELDS)
    ]


def recent_changes(site: Site, limit: int = RECENT_CHANGES) -> list[Change]:
    """The latest changes across the site's checklist, staff and training: one query.

    A UNION of the latest `limit` history rows of each kind, read as values: the dashboard
    shows only when, who, what and why, and building three kinds of historical instances
    with their users, capabilities, staff and courses was most of this list's cost (issue 14).
    Ties on the timestamp keep the order they had as three lists: checklist, staff, training,
    each newest row first.
    """
    checklist, staff, training = _HISTORICAL_MODELS
    parts = [
        (checklist.objects.filter(site_id=site.pk), F("capability__name"), Value("")),
        (staff.objects.filter(site_id=site.pk), F("full_name"), Value("")),
        (
            training.objects.filter(staff__site_id=site.pk),
            F("staff__full_name"),
            F("course__title"),
        ),
    ]
    latest = [
        rows.annotate(_kind=Value(kind), _item=item, _item_detail=detail)
        .values_list(*_RECENT_COLUMNS, "_kind", "_item", "_item_detail")
        .order_by("-history_date", "-history_id")[:limit]
        for kind, (rows, item, detail) in enumerate(parts)
    ]
    rows = sorted(latest[0].union(*latest[1:], all=True), key=lambda r: (r[8], -r[1]))
    rows.sort(key=lambda r: r[0], reverse=True)  # stable: equal times keep kind, then newest
    return [
        Change(
            when=when,
            who=(full_name or email or "") if user_id is not None else "System",
            who_email=email or "",
            record=_RECENT_RECORDS[kind],
            record_id=record_id,
            item=f"{item}, {detail}" if detail else item,
            action=ACTIONS[history_type],
            reason=reason or "",
        )
        for when, _, user_id, full_name, email, history_type, reason, record_id, kind, item, detail in rows[
            :limit
        ]
    ]


_RECENT_COLUMNS = (
    "history_date",
    "history_id",
    "history_user_id",
    "history_user__full_name",
    "history_user__email",
    "history_type",
    "history_change_reason",
    "id",
)
_RECENT_RECORDS = ("Checklist", "Staff", "Training")
# The historical models' plain managers: `Model.history` builds a manager class on every
# access (simple_history's descriptor, inspect.getmembers included), a fifth of this list's CPU.
_HISTORICAL_MODELS = (
    SiteCapability.history.model,
    StaffMember.history.model,
    TrainingRecord.history.model,
)


def site_history(site: Site) -> list[Change]:
    """Every history row of the site's records (and every evidence upload), oldest first."""
    changes = [
        *_checklist(site, True, None),
        *_evidence(site),
        *_staff(site, True, None),
        *_training(site, True, None),
        *_actions(site),
    ]
    return sorted(changes, key=lambda c: c.when)


def _cell(value: object) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def site_history_csv(site: Site) -> bytes:
    """UTF-8 with a byte-order mark (Excel), one line per history row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for c in site_history(site):
        changes = "; ".join(f"{label}: {old} → {new}" for label, old, new in c.changes)
        writer.writerow(
            _cell(v)
            for v in (
                c.when,
                c.who,
                c.who_email,
                c.record,
                c.record_id,
                c.item,
                c.action,
                changes,
                c.reason,
            )
        )
    return ("\ufeff" + out.getvalue()).encode()
