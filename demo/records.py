"""Write site plans to the database: checklist entries, staff and training records.

Sites are handled in chunks: per chunk, one query per table reads what exists, then bulk
inserts and bulk updates (with their history rows) write only the differences. A second run
on the same day writes nothing; on a later day it moves dates on the same rows.

Natural keys: SiteCapability (site, capability), StaffMember (site, e-mail), TrainingRecord
(staff, course) for the one record the seed keeps per person and course (records people add
themselves are left alone), TrialSite (trial, site).

History. For the real demo sites each record's history rows are the plan's timeline
(demo/timeline.py), dated in the past, not the moment of the seed: demo/history.py replaces an
object's history rows only when they differ from the timeline, so a second run on the same
day leaves every row, history included, as it was.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import DateField, F
from django.db.models.functions import Cast
from django.utils import timezone

from demo.copying import copy_insert
from demo.history import HistoryRow, sync_history
from demo.plans import SitePlan
from demo.timeline import HISTORY_DAYS
from sites.models import Capability, Site, SiteCapability
from training.models import Course, StaffMember, TrainingRecord
from trials.models import TrialSite

BATCH_SIZE = 1000
CHUNK_SITES = 60
# Loading these timestamps was a fifth of a --scale 14 run; history rows exclude them, and
# any other deferred field would be fetched row by row when history is written.
UNUSED = ("created_at", "updated_at")


@dataclass
class Writer:
    """Where counts go, and whether rows get history (every seeded site's rows do; tests may
    turn it off)."""

    anchor: dt.date
    history: bool = True
    counts: Counter = field(default_factory=Counter)

    def write(
        self, model, to_create: list, to_update: list, increments: Sequence[str] = ()
    ) -> None:
        """Insert new rows and update changed ones (their history is written by `history`)."""
        if to_create:
            copy_insert(model, to_create)
            for row in to_create:
                row._seed_new = True  # no history to compare with (demo/history.py)
        if to_update:
            _update(model, to_update, increments)
        self.counts[f"{model.__name__} created"] += len(to_create)
        self.counts[f"{model.__name__} updated"] += len(to_update)

    def history_of(self, model, timelines: list[tuple[object, list[HistoryRow]]]) -> None:
        if self.history:
            self.counts[f"{model.__name__} history rewritten"] += sync_history(
                model, timelines, self.anchor
            )


def _update(model, rows: list, increments: Sequence[str]) -> None:
    """Write changed fields with as few UPDATE statements as possible.

    Django's bulk_update builds a CASE expression per row and took 15 s for 6,000 training
    records. A later day's run moves every date by the same number of days, so rows are grouped
    by what changed: a date moved by N days becomes "date + N days" for the whole group (one
    statement per 1,000 rows); other changes are grouped by their new value. Fields in
    `increments` (the optimistic-concurrency version) go up by one in the database, as they
    already did on the objects passed in.
    """
    stamped = any(f.name == "updated_at" for f in model._meta.fields)
    now = timezone.now()
    groups: dict[tuple, tuple[dict, list[int]]] = {}
    for row in rows:
        if stamped:
            row.updated_at = now
        key, values = [], {}
        for name, old in sorted(row._seed_changes.items()):
            new = getattr(row, name)
            if isinstance(old, dt.date) and isinstance(new, dt.date):
                days = (new - old).days
                key.append((name, "moved", days))
                values[name] = Cast(F(name) + dt.timedelta(days=days), DateField())
            else:
                key.append((name, "set", repr(new)))
                values[name] = new
        groups.setdefault(tuple(key), (values, []))[1].append(row.pk)
    extra = {name: F(name) + 1 for name in increments}
    if stamped:
        extra["updated_at"] = now
    for values, pks in groups.values():
        for start in range(0, len(pks), BATCH_SIZE):
            model.objects.filter(pk__in=pks[start : start + BATCH_SIZE]).update(**values, **extra)


def _set_changed(obj, values: dict) -> bool:
    """Set new values on obj, remembering the old ones for _update."""
    changes = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = old
            setattr(obj, name, value)
    obj._seed_changes = changes
    return bool(changes)


def _days(anchor: dt.date, offset: int | None) -> dt.date | None:
    return None if offset is None else anchor + dt.timedelta(days=offset)


def _capability_timeline(row: SiteCapability, entry, anchor: dt.date) -> list[HistoryRow]:
    """The entry's events; versions count up to the row's current one."""
    events = entry.history
    timeline = []
    for index, event in enumerate(events):
        last = index == len(events) - 1
        timeline.append(
            HistoryRow(
                event.days_ago,
                event.reason,
                {
                    "status": event.status,
                    "notes": entry.notes if last else "",
                    "not_applicable_reason": entry.not_applicable_reason if last else "",
                    "evidence_expires_on": _days(anchor, event.expires_in_days),
                    "version": max(1, row.version - (len(events) - 1 - index)),
                },
            )
        )
    return timeline


def sync_capabilities(
    plans: dict[Site, SitePlan],
    capabilities: dict[str, Capability],
    anchor: dt.date,
    writer: Writer,
) -> None:
    existing = {
        (row.site_id, row.capability_id): row
        for row in SiteCapability.objects.filter(site__in=list(plans)).defer(*UNUSED)
    }
    to_create, to_update, timelines = [], [], []
    for site, plan in plans.items():
        for entry in plan.capabilities:
            capability = capabilities[entry.code]
            values = {
                "status": entry.status,
                "notes": entry.notes,
                "not_applicable_reason": entry.not_applicable_reason,
                "evidence_expires_on": _days(anchor, entry.expires_in_days),
            }
            row = existing.get((site.pk, capability.pk))
            if row is None:
                row = SiteCapability(
                    site=site, capability=capability, version=max(1, len(entry.history)), **values
                )
                to_create.append(row)
            elif _set_changed(row, values):
                row.version += 1  # an open edit form of the old state must now fail
                to_update.append(row)
            timelines.append((row, entry))
    writer.write(SiteCapability, to_create, to_update, increments=["version"])
    writer.history_of(
        SiteCapability,
        [(row, _capability_timeline(row, entry, anchor)) for row, entry in timelines],
    )


def _staff_timeline(person) -> list[HistoryRow]:
    start = HISTORY_DAYS if person.joined_days_ago is None else person.joined_days_ago
    reason = (
        "In post when the site joined the portal"
        if person.joined_days_ago is None
        else "Joined the site"
    )
    timeline = [HistoryRow(start, reason, {"active": True, "left_on": None})]
    if not person.active:
        timeline.append(HistoryRow(person.left_days_ago, "Left the site", {}))
    return timeline


def sync_staff(plans: dict[Site, SitePlan], anchor: dt.date, writer: Writer) -> dict:
    """Returns {(site id, e-mail): StaffMember} for the planned staff."""
    existing = {
        (row.site_id, row.email): row
        for row in StaffMember.objects.filter(site__in=list(plans)).defer(*UNUSED)
    }
    staff, to_create, to_update, timelines = {}, [], [], []
    for site, plan in plans.items():
        for person in plan.staff:
            values = {
                "full_name": person.full_name,
                "roles": list(person.roles),
                "job_title": person.job_title,
                "registration_number": person.registration_number,
                "active": person.active,
                "left_on": _days(anchor, None if person.active else -person.left_days_ago),
            }
            row = existing.get((site.pk, person.email))
            if row is None:
                row = StaffMember(site=site, email=person.email, **values)
                to_create.append(row)
            elif _set_changed(row, values):
                to_update.append(row)
            staff[(site.pk, person.email)] = row
            timelines.append((row, _staff_timeline(person)))
    writer.write(StaffMember, to_create, to_update)
    writer.history_of(StaffMember, timelines)
    return staff


def _training_timeline(person, plan, anchor: dt.date) -> list[HistoryRow]:
    """Recorded when completed (or when the person joined, or the history starts), then once
    per renewal."""
    start = HISTORY_DAYS if person.joined_days_ago is None else person.joined_days_ago
    created = min(plan.completions[0], start)
    known = [days for days in plan.completions if days >= created][-1:]
    later = [days for days in plan.completions if days < created]
    timeline = [
        HistoryRow(
            created, "Training recorded", {"completed_on": anchor - dt.timedelta(days=known[0])}
        )
    ]
    timeline += [
        HistoryRow(days, "Training renewed", {"completed_on": anchor - dt.timedelta(days=days)})
        for days in later
    ]
    return timeline


def sync_training(
    plans: dict[Site, SitePlan],
    staff: dict,
    courses: dict[str, Course],
    anchor: dt.date,
    writer: Writer,
) -> None:
    seeded: dict[tuple[int, int], TrainingRecord] = {}
    taken: set[tuple[int, int, dt.date]] = set()
    records = TrainingRecord.objects.filter(staff__site__in=list(plans)).defer(*UNUSED)
    for row in records.order_by("pk"):
        seeded.setdefault((row.staff_id, row.course_id), row)
        taken.add((row.staff_id, row.course_id, row.completed_on))
    to_create, to_update, timelines = [], [], []
    for site, plan in plans.items():
        for person in plan.staff:
            member = staff[(site.pk, person.email)]
            for training in person.training:
                course = courses[training.course]
                completed_on = anchor - dt.timedelta(days=training.completions[-1])
                row = seeded.get((member.pk, course.pk))
                if row is None:
                    row = TrainingRecord(staff=member, course=course, completed_on=completed_on)
                    to_create.append(row)
                elif (member.pk, course.pk, completed_on) not in taken and _set_changed(
                    row, {"completed_on": completed_on}
                ):
                    to_update.append(row)
                timelines.append((row, _training_timeline(person, training, anchor)))
    writer.write(TrainingRecord, to_create, to_update)
    writer.history_of(TrainingRecord, timelines)


def sync_site_records(
    plans: dict[Site, SitePlan],
    capabilities: dict[str, Capability],
    courses: dict[str, Course],
    anchor: dt.date,
    writer: Writer,
) -> None:
    items = list(plans.items())
    for start in range(0, len(items), CHUNK_SITES):
        chunk = dict(items[start : start + CHUNK_SITES])
        sync_capabilities(chunk, capabilities, anchor, writer)
        staff = sync_staff(chunk, anchor, writer)
        sync_training(chunk, staff, courses, anchor, writer)


def sync_sites(rows: list[Site], writer: Writer) -> dict[str, Site]:
    """Bulk upsert of (synthetic) sites by organisation code, each validated first."""
    existing = {
        site.ods_code: site
        for site in Site.objects.filter(ods_code__in=[row.ods_code for row in rows])
    }
    fields = [  # region by its id: comparing `region` would fetch each site's region
        "name",
        "code_system",
        "region_id",
        "city",
        "attc",
        "description",
        "is_demo",
        "latitude",
        "longitude",
    ]
    to_create, to_update, sites = [], [], {}
    for row in rows:
        row.clean_fields()
        row.clean()
        site = existing.get(row.ods_code)
        if site is None:
            to_create.append(row)
            site = row
        elif _set_changed(site, {name: getattr(row, name) for name in fields}):
            to_update.append(site)
        sites[row.ods_code] = site
    writer.write(Site, to_create, to_update)
    return sites


def sync_trial_sites(rows: list[TrialSite], writer: Writer) -> None:
    existing = {
        (row.trial_id, row.site_id): row
        for row in TrialSite.objects.filter(site__in=[row.site for row in rows])
    }
    to_create, to_update = [], []
    for row in rows:
        current = existing.get((row.trial.pk, row.site.pk))
        if current is None:
            to_create.append(row)
        elif _set_changed(current, {"status": row.status, "planned_opening": row.planned_opening}):
            to_update.append(current)
    writer.write(TrialSite, to_create, to_update)
