"""The training matrix: active staff × courses, each cell valid / expiring / expired / missing.

Which courses appear is the caller's choice (the site's trials and the requirement profiles);
this module only reads training. Three queries whatever the number of staff or records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sites.models import Site
from training.models import Course, StaffMember, TrainingRecord

VALID, EXPIRING, EXPIRED, MISSING = "valid", "expiring", "expired", "missing"
CELL_LABELS = {VALID: "Valid", EXPIRING: "Expiring", EXPIRED: "Expired", MISSING: "Missing"}
CELL_COLOURS = {VALID: "green", EXPIRING: "yellow", EXPIRED: "red", MISSING: "grey"}
_RANK = {VALID: 3, EXPIRING: 2, EXPIRED: 1, MISSING: 0}


@dataclass
class MatrixCell:
    course: Course
    status: str = MISSING
    expires_on: dt.date | None = None

    @property
    def label(self) -> str:
        return CELL_LABELS[self.status]

    @property
    def colour(self) -> str:
        return CELL_COLOURS[self.status]


@dataclass
class MatrixRow:
    staff: StaffMember
    cells: list[MatrixCell]


def _cell_status(record: TrainingRecord, on: dt.date) -> str:
    status = record.status_on(on)
    return {
        TrainingRecord.Status.VALID: VALID,
        TrainingRecord.Status.EXPIRING: EXPIRING,
        TrainingRecord.Status.EXPIRED: EXPIRED,
    }.get(status, MISSING)


def training_matrix(
    *, site: Site, course_ids: Iterable[int], on: dt.date
) -> tuple[list[Course], list[MatrixRow]]:
    course_ids = set(course_ids)
    courses = list(Course.objects.filter(pk__in=course_ids).order_by("title"))
    staff = list(StaffMember.objects.filter(site=site, active=True).order_by("full_name"))
    best: dict[tuple[int, int], MatrixCell] = {}
    records = TrainingRecord.objects.filter(
        staff__site=site, staff__active=True, course_id__in=course_ids
    ).select_related("course")
    for record in records:
        status = _cell_status(record, on)
        key = (record.staff_id, record.course_id)
        current = best.get(key)
        # A person's best record counts: a renewal replaces the expired completion before it.
        if (
            current is None
            or _RANK[status] > _RANK[current.status]
            or (
                status == current.status
                and (record.expires_on or dt.date.max) > (current.expires_on or dt.date.max)
            )
        ):
            best[key] = MatrixCell(record.course, status, record.expires_on)
    rows = [
        MatrixRow(
            member,
            [best.get((member.pk, course.pk)) or MatrixCell(course) for course in courses],
        )
        for member in staff
    ]
    return courses, rows
