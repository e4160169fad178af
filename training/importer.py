"""CSV import of training records: parse, preview every row's outcome, apply all or nothing.

The preview writes nothing. Lookups are made in bulk (one query each for staff, courses and
existing records), so a 10,000-row file previews in about a second.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import User
from atmp_portal import dates
from sites.models import Site
from training.models import Course, StaffMember, TrainingRecord

HEADERS = ["email", "course_code", "completed_on", "expiry_override", "notes"]
MAX_ROWS = 20_000

ERROR_EMPTY_FILE = "The selected file is empty"
ERROR_ENCODING = (
    "The selected file is not UTF-8 text. In your spreadsheet, save it as "
    "“CSV UTF-8 (comma delimited)” and upload it again"
)
ERROR_HEADERS = "The first row of the file must be exactly these headers: " + ", ".join(HEADERS)
ERROR_NO_ROWS = "The file has headers but no rows to import"
ERROR_TOO_MANY_ROWS = f"The file has more than {MAX_ROWS:,} rows: split it into smaller files"
ERROR_NOT_CSV = "The selected file is not a CSV file"

ROW_UNKNOWN_EMAIL = "No staff member at this site has the e-mail address {value}"
ROW_UNKNOWN_COURSE = "There is no course with the code {value}"
ROW_FUTURE_DATE = "The completion date {value} is in the future"
ROW_BAD_DATE = "{column} “{value}” is not a date: use YYYY-MM-DD or DD/MM/YYYY"
ROW_MISSING = "{column} is empty"
ROW_DUPLICATE = "Duplicate of row {line}: same e-mail, course and completion date"
ROW_EXPIRY_BEFORE_COMPLETION = "The expiry date is before the completion date"
ROW_WRONG_COLUMNS = "The row has {count} columns; it should have {expected}"

CREATE, UPDATE, ERROR = "create", "update", "error"
IMPORT_REASON = "CSV import"


def course_codes() -> list[Course]:
    """The catalogue's courses, by title: the codes a file may use."""
    return list(Course.objects.order_by("title").only("code", "title"))


def example_row(courses: list[Course]) -> list[str]:
    """The template's example row (a made-up person; the catalogue's first code)."""
    code = courses[0].code if courses else "course-code"
    return ["jane.example@nhs.example", code, "2026-01-31", "", "Example row: replace or delete it"]


def _safe_cell(value: str) -> str:
    # A spreadsheet would run a cell starting with one of these as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([_safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message says why."""


class ImportHasErrors(Exception):
    def __init__(self, preview: ImportPreview):
        super().__init__("The import has rows with errors.")
        self.preview = preview


@dataclass
class RowOutcome:
    line: int
    email: str
    course_code: str
    completed_on_text: str
    expiry_text: str
    notes: str
    action: str = CREATE
    errors: list[str] = field(default_factory=list)
    # The same errors with the column each is about, for answers that name fields (the API).
    field_errors: list[tuple[str, str]] = field(default_factory=list)
    completed_on: dt.date | None = None
    expiry_override: dt.date | None = None
    staff: StaffMember | None = None
    course: Course | None = None
    record: TrainingRecord | None = None


@dataclass
class ImportPreview:
    rows: list[RowOutcome]

    @property
    def error_rows(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.action == ERROR]

    @property
    def creates(self) -> int:
        return sum(1 for row in self.rows if row.action == CREATE)

    @property
    def updates(self) -> int:
        return sum(1 for row in self.rows if row.action == UPDATE)

    @property
    def has_errors(self) -> bool:
        return any(row.action == ERROR for row in self.rows)


def _fail(row: RowOutcome, column: str, message: str) -> None:
    row.errors.append(message)
    row.field_errors.append((column, message))


def decode(raw: bytes) -> str:
    if not raw.strip():
        raise ImportFileError(ERROR_EMPTY_FILE)
    if b"\x00" in raw[:4096]:
        raise ImportFileError(ERROR_NOT_CSV)
    try:
        return raw.decode("utf-8-sig")  # accepts the BOM Excel writes
    except UnicodeDecodeError:
        raise ImportFileError(ERROR_ENCODING) from None


def parse_rows(raw: bytes) -> list[RowOutcome]:
    reader = csv.reader(io.StringIO(decode(raw), newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportFileError(ERROR_EMPTY_FILE) from None
    if [h.strip().lower() for h in header] != HEADERS:
        raise ImportFileError(ERROR_HEADERS)
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank lines (often at the end of a spreadsheet export)
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(ERROR_TOO_MANY_ROWS)
            padded = [v.strip() for v in values] + [""] * (len(HEADERS) - len(values))
            row = RowOutcome(reader.line_num, *padded[:5])
            if len(values) > len(HEADERS):
                _fail(
                    row, "row", ROW_WRONG_COLUMNS.format(count=len(values), expected=len(HEADERS))
                )
            rows.append(row)
    except csv.Error:
        raise ImportFileError(ERROR_NOT_CSV) from None
    if not rows:
        raise ImportFileError(ERROR_NO_ROWS)
    return rows


def parse_date(text: str) -> dt.date | None:
    """YYYY-MM-DD or DD/MM/YYYY within the portal's range (atmp_portal.dates), else None."""
    try:
        return dates.parse_date(text)
    except ValueError:
        return None


def _check_dates(row: RowOutcome, on: dt.date) -> None:
    if not row.completed_on_text:
        _fail(row, "completed_on", ROW_MISSING.format(column="completed_on"))
    else:
        row.completed_on = parse_date(row.completed_on_text)
        if row.completed_on is None:
            _fail(
                row,
                "completed_on",
                ROW_BAD_DATE.format(column="completed_on", value=row.completed_on_text),
            )
        elif row.completed_on > on:
            _fail(row, "completed_on", ROW_FUTURE_DATE.format(value=row.completed_on_text))
    if row.expiry_text:
        row.expiry_override = parse_date(row.expiry_text)
        if row.expiry_override is None:
            _fail(
                row,
                "expiry_override",
                ROW_BAD_DATE.format(column="expiry_override", value=row.expiry_text),
            )
        elif row.completed_on and row.expiry_override < row.completed_on:
            _fail(row, "expiry_override", ROW_EXPIRY_BEFORE_COMPLETION)


def preview_rows(*, site: Site, rows: list[RowOutcome], on: dt.date) -> ImportPreview:
    """Decide each row's outcome. Reads only: three queries whatever the number of rows."""
    staff = {s.email.lower(): s for s in StaffMember.objects.filter(site=site)}
    codes = {row.course_code for row in rows if row.course_code}
    courses = {c.code: c for c in Course.objects.filter(code__in=codes)}
    seen: dict[tuple[str, str, dt.date], int] = {}
    for row in rows:
        if not row.email:
            _fail(row, "email", ROW_MISSING.format(column="email"))
        else:
            row.staff = staff.get(row.email.lower())
            if row.staff is None:
                _fail(row, "email", ROW_UNKNOWN_EMAIL.format(value=row.email))
        if not row.course_code:
            _fail(row, "course_code", ROW_MISSING.format(column="course_code"))
        else:
            row.course = courses.get(row.course_code)
            if row.course is None:
                _fail(row, "course_code", ROW_UNKNOWN_COURSE.format(value=row.course_code))
        _check_dates(row, on)
        if row.email and row.course_code and row.completed_on:
            key = (row.email.lower(), row.course_code, row.completed_on)
            if key in seen:
                _fail(row, "completed_on", ROW_DUPLICATE.format(line=seen[key]))
            else:
                seen[key] = row.line

    good = [row for row in rows if not row.errors]
    existing = {}
    if good:
        existing = {
            (r.staff_id, r.course_id, r.completed_on): r
            for r in TrainingRecord.objects.filter(
                staff__site=site,
                course_id__in={row.course.pk for row in good},
                completed_on__in={row.completed_on for row in good},
            )
        }
    for row in rows:
        if row.errors:
            row.action = ERROR
        else:
            row.record = existing.get((row.staff.pk, row.course.pk, row.completed_on))
            row.action = UPDATE if row.record is not None else CREATE
    return ImportPreview(rows)


def training_import_preview(*, site: Site, raw: bytes, on: dt.date) -> ImportPreview:
    return preview_rows(site=site, rows=parse_rows(raw), on=on)


def training_import(*, site: Site, raw: bytes, user: User, on: dt.date) -> ImportPreview:
    """Apply the whole file or nothing: any error row raises ImportHasErrors with the preview."""
    with transaction.atomic():
        # Lock the site's staff rows so the outcome cannot change between check and write.
        list(StaffMember.objects.select_for_update().filter(site=site).values_list("pk"))
        preview = training_import_preview(site=site, raw=raw, on=on)
        if preview.has_errors:
            raise ImportHasErrors(preview)
        creates = [
            TrainingRecord(
                staff=row.staff,
                course=row.course,
                completed_on=row.completed_on,
                expiry_override=row.expiry_override,
                notes=row.notes,
            )
            for row in preview.rows
            if row.action == CREATE
        ]
        updates = []
        for row in preview.rows:
            if row.action == UPDATE:
                row.record.expiry_override = row.expiry_override
                row.record.notes = row.notes
                updates.append(row.record)
        if creates:
            bulk_create_with_history(
                creates,
                TrainingRecord,
                batch_size=1000,
                default_user=user,
                default_change_reason=IMPORT_REASON,
            )
        if updates:
            bulk_update_with_history(
                updates,
                TrainingRecord,
                ["expiry_override", "notes"],
                batch_size=1000,
                default_user=user,
                default_change_reason=IMPORT_REASON,
            )
    return preview
