"""Write a record's planned past as django-simple-history rows, dated when it happened.

`sync_history(model, timelines, anchor)` takes (object, [HistoryRow...]) pairs, oldest row
first, each row being the object's fields from `days_ago` days before the anchor until the
next row. An object's existing history rows are compared with the timeline and replaced only
if they differ, so seeding twice on one day leaves them (and their ids) as they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models

from demo.copying import copy_rows

BATCH_SIZE = 1000
EVENT_TIME = dt.time(9, 0, tzinfo=dt.UTC)
_HISTORY_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_user_id",
}


@dataclass(frozen=True)
class HistoryRow:
    days_ago: int
    reason: str
    values: dict = field(default_factory=dict)  # field values that differ from the object's


def _attnames(historical: type[models.Model]) -> list[str]:
    return [f.attname for f in historical._meta.concrete_fields if f.name not in _HISTORY_FIELDS]


def _when(anchor: dt.date, days_ago: int, index: int) -> dt.datetime:
    """09:00 UTC on the day; rows of one object on one day a minute apart, in order."""
    moment = dt.datetime.combine(anchor - dt.timedelta(days=days_ago), EVENT_TIME)
    return moment + dt.timedelta(minutes=index)


def _extra_defaults(model, historical) -> dict:
    """History columns the model itself has not (e.g. sites.models.ChecklistHistory's)."""
    own = {f.attname for f in model._meta.concrete_fields}
    return {
        f.attname: f.get_default()
        for f in historical._meta.concrete_fields
        if f.name not in _HISTORY_FIELDS and f.attname not in own
    }


def _wanted(obj, rows: list[HistoryRow], anchor: dt.date, names: list[str], extra: dict):
    wanted = []
    for index, row in enumerate(rows):
        values = {name: extra[name] if name in extra else getattr(obj, name) for name in names}
        values.update(row.values)
        wanted.append(
            (
                _when(anchor, row.days_ago, index),
                "+" if index == 0 else "~",
                row.reason,
                *(values[name] for name in names),
            )
        )
    return wanted


def sync_history(model, timelines: list[tuple[object, list[HistoryRow]]], anchor) -> int:
    """Make each object's history its timeline; returns how many objects were rewritten."""
    historical = model.history.model
    names = _attnames(historical)
    extra = _extra_defaults(model, historical)
    # Rows inserted by this run have no history yet: only older ones are compared.
    pks = [obj.pk for obj, _ in timelines if not getattr(obj, "_seed_new", False)]
    existing: dict[int, list[tuple]] = {}
    for start in range(0, len(pks), BATCH_SIZE):
        rows = (
            historical.objects.filter(id__in=pks[start : start + BATCH_SIZE])
            .order_by("id", "history_date", "history_id")
            .values_list("history_date", "history_type", "history_change_reason", *names)
        )
        for row in rows:
            existing.setdefault(row[names.index("id") + 3], []).append(row)
    stale, fresh, rewritten = [], [], 0
    for obj, timeline in timelines:
        wanted = _wanted(obj, timeline, anchor, names, extra)
        if getattr(obj, "_seed_new", False):
            rewritten += 1
        elif existing.get(obj.pk) == wanted:
            continue
        else:
            stale.append(obj.pk)
            rewritten += 1
        fresh += [(when, kind, reason, None, *values) for when, kind, reason, *values in wanted]
    for start in range(0, len(stale), BATCH_SIZE):
        historical.objects.filter(id__in=stale[start : start + BATCH_SIZE]).delete()
    copy_rows(historical, [
        "history_date", "history_type", "history_change_reason", "history_user_id", *names
    ], fresh)  # fmt: skip
    return rewritten
