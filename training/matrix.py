"""The training matrix: active staff × courses, each cell valid / expiring / expired / missing.

Which courses appear is the caller's choice (the site's trials and the requirement profiles),
and so is which roles need each course: a cell whose staff member holds none of those roles and
has no record says "Not required". This module only reads training. Three queries whatever the
number of staff or records, each reading only the columns the matrix shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sites.models import Site
from training.models import Course, StaffMember, TrainingRecord

VALID, EXPIRING, EXPIRED, MISSING = "valid", "expiring", "expired", "missing"
NOT_REQUIRED = "not_required"
CELL_LABELS = {
    VALID: "Valid",
    EXPIRING: "Expiring",
    EXPIRED: "Expired",
    MISSING: "Missing",
    NOT_REQUIRED: "Not required",
}
CELL_COLOURS = {
    VALID: "green",
    EXPIRING: "yellow",
    EXPIRED: "red",
    MISSING: "grey",
    NOT_REQUIRED: "white",
}
ANY_ROLE = ""  # in a course's set of roles: staff in any role need it
_RANK = {VALID: 3, EXPIRING: 2, EXPIRED: 1, MISSING: 0}
# A row's staff member as the matrix page and its CSV show them (name, roles); any other
# field read from a row would cost one query per staff member.
STAFF_FIELDS = ("site_id", "full_name", "roles")


@dataclass
class MatrixCell:
    course: Course
    status: str = MISSING
    expires_on: dt.date | None = None
    required: bool = True

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


def is_required(member: StaffMember, roles: set[str] | None) -> bool:
    """`roles`: the roles that need the course (ANY_ROLE among them: everyone); None: everyone."""
    return roles is None or ANY_ROLE in roles or bool(roles.intersection(member.roles or ()))


def _empty_cell(member: StaffMember, course: Course, roles: set[str] | None) -> MatrixCell:
    if is_required(member, roles):
        return MatrixCell(course)
    return MatrixCell(course, NOT_REQUIRED, required=False)


def training_matrix(
    *,
    site: Site,
    course_ids: Iterable[int],
    on: dt.date,
    course_roles: Mapping[int, set[str]] | None = None,
) -> tuple[list[Course], list[MatrixRow]]:
    """`course_roles`: for each course, the roles that need it (ANY_ROLE: any); a course left
    out, or no mapping at all, is needed by everyone."""
    course_ids = set(course_ids)
    course_roles = course_roles or {}
    courses = list(Course.objects.filter(pk__in=course_ids).order_by("title"))
    by_pk = {course.pk: course for course in courses}
    staff = list(
        StaffMember.objects.filter(site=site, active=True).only(*STAFF_FIELDS).order_by("full_name")
    )
    best: dict[tuple[int, int], MatrixCell] = {}
    # Only what a record's status needs; its course is one of `courses`, already loaded.
    records = TrainingRecord.objects.filter(
        staff__site=site, staff__active=True, course_id__in=course_ids
    ).only("staff_id", "course_id", "completed_on", "expiry_override")
    for record in records:
        record.course = by_pk[record.course_id]
        status, expires = _cell_status(record, on), record.expires_on
        key = (record.staff_id, record.course_id)
        current = best.get(key)
        # A person's best record counts: a renewal replaces the expired completion before it.
        if (
            current is None
            or _RANK[status] > _RANK[current.status]
            or (
                status == current.status
                and (expires or dt.date.max) > (current.expires_on or dt.date.max)
            )
        ):
            best[key] = MatrixCell(record.course, status, expires)
    columns = [(course, course.pk, course_roles.get(course.pk)) for course in courses]
    rows = []
    for member in staff:
        cells = []
        for course, course_id, roles in columns:
            cell = best.get((member.pk, course_id))
            if cell is None:
                cell = _empty_cell(member, course, roles)
            else:
                cell = MatrixCell(course, cell.status, cell.expires_on, is_required(member, roles))
            cells.append(cell)
        rows.append(MatrixRow(member, cells))
    return courses, rows
