"""The one rule for dates people and systems give us (forms, page queries, the API, CSV import).

A date is written with a four-digit year and two-digit month and day: YYYY-MM-DD everywhere,
and in CSV files (what people type) also DD/MM/YYYY. "2027-3-1" and "1/3/2027" are refused
everywhere: strptime would take them, ISO 8601 does not, and one rule is easier to explain than
two. Dates must lie between EARLIEST and LATEST, which keeps the readiness engine's arithmetic
(a 90-day horizon after the date, renewal periods before it) inside what Python's date type can
hold, so no date however extreme reaches it.

Forms ask for a date as the NHS.UK date input: three boxes, day, month and year
(`DateField` with its `DayMonthYearInput`, rendered by templates/includes/_date_input.html).
Every date field of the portal has the same hint, DATE_HINT ("For example, 27 3 2026", after
the field's own help text), and the same messages, each naming the date in the field's own
words (its `subject`, "the target date"):

- nothing entered, when a date is needed: "Enter the target date";
- a box left empty: "The target date must include a month" ("a day and a year", ...);
- a year of fewer than four numbers: "The target date must include a year with 4 numbers";
- anything else that is not a date (letters, 31 2 2026): "Enter the target date as a real
  date, for example 27 3 2026";
- a real date outside EARLIEST..LATEST: "The target date must be between 1 1 1900 and
  31 12 2999".

The boxes take numbers with or without a leading zero. A link or a script may still send the
field as one value (`?on=2026-03-31`, the ranking's links): that value follows the typed rule
above, with the same messages.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import MONTHS_3
from rest_framework import serializers

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)

ISO_FORMAT = "%Y-%m-%d"
UK_FORMAT = "%d/%m/%Y"
# strptime accepts unpadded numbers; these patterns are what makes the rule strict.
_PATTERNS = {
    ISO_FORMAT: re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    UK_FORMAT: re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4}"),
}
TYPED_FORMATS = (ISO_FORMAT, UK_FORMAT)

FORM_INVALID = "Enter a real date, for example 31/03/2027"
FORM_OUT_OF_RANGE = "Enter a date between 01/01/1900 and 31/12/2999"
API_INVALID = "Enter a date as YYYY-MM-DD."
API_OUT_OF_RANGE = "Enter a date between 1900-01-01 and 2999-12-31."


class DateOutOfRange(ValueError):
    """A real date the portal does not handle (before EARLIEST or after LATEST)."""


def parse_date(text: str, formats: tuple[str, ...] = TYPED_FORMATS) -> dt.date:
    """The date `text` names in one of `formats`; ValueError (DateOutOfRange) otherwise."""
    text = text.strip()
    for fmt in formats:
        if _PATTERNS[fmt].fullmatch(text):
            day = dt.datetime.strptime(text, fmt).date()  # ValueError for 31/02/2026
            break
    else:
        raise ValueError(f"{text!r} is not a date in the formats {formats}")
    if not EARLIEST <= day <= LATEST:
        raise DateOutOfRange(f"{day} is outside {EARLIEST}..{LATEST}")
    return day


class DayMonthYearInput(forms.Widget):
    """The NHS.UK date input: day, month and year boxes named <name>-day, -month, -year.

    Its value is the three texts as typed ([day, month, year]), or the one value a link sent
    as <name> itself when no box was sent (so `?on=2026-03-31` keeps working).
    """

    use_fieldset = True
    # Pages render it with templates/includes/_field.html (_date_input.html); Django's own
    # rendering ({{ field }}) shows the same three boxes without the NHS.UK classes.
    template_name = "django/forms/widgets/multiwidget.html"

    def value_from_datadict(self, data, files, name):
        parts = [data.get(f"{name}-{part}") for part in PARTS]
        if all(value is None for value in parts):
            return data.get(name)
        return [(value or "").strip() for value in parts]

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data and all(f"{name}-{part}" not in data for part in PARTS)

    def id_for_label(self, id_):
        return f"{id_}-day" if id_ else id_

    def format_value(self, value) -> list[str]:
        """The three box texts for a value: a date, the typed parts, or one sent value."""
        if isinstance(value, (list, tuple)):
            return [str(v) for v in value] + [""] * (3 - len(value))
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, str) and value.strip():
            try:
                value = parse_date(value)
            except DateOutOfRange:
                return _split_loosely(value)
            except ValueError:
                return _split_loosely(value)
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        texts = self.format_value(value)
        context["widget"]["parts"] = [
            {"name": part, "label": part.capitalize(), "value": text}
            for part, text in zip(PARTS, texts, strict=True)
        ]
        context["widget"]["subwidgets"] = [
            forms.TextInput().get_context(
                f"{name}-{part}",
                text,
                {**attrs, "id": f"{attrs['id']}-{part}"} if attrs.get("id") else attrs,
            )["widget"]
            for part, text in zip(PARTS, texts, strict=True)
        ]
        return context


PARTS = ("day", "month", "year")
DATE_HINT = "For example, 27 3 2026"
DATE_REQUIRED = "Enter {subject}"
DATE_MISSING_PARTS = "{Subject} must include {parts}"
DATE_YEAR_DIGITS = "{Subject} must include a year with 4 numbers"
DATE_INVALID = "Enter {subject} as a real date, for example 27 3 2026"
DATE_OUT_OF_RANGE = "{Subject} must be between 1 1 1900 and 31 12 2999"
# Kept for callers that need the wording without a field: the date a page is assessed on.
FORM_INVALID = DATE_INVALID.format(subject="the date")
FORM_OUT_OF_RANGE = DATE_OUT_OF_RANGE.format(Subject="The date")


def _split_loosely(text: str) -> list[str]:
    """Best-effort boxes for a refused one-value date, so the user sees what was sent."""
    numbers = re.findall(r"[0-9]+", text)
    if len(numbers) == 3 and "-" in text:
        numbers = numbers[::-1]
    return (numbers + ["", "", ""])[:3] if len(numbers) <= 3 else ["", "", ""]


def date_messages(subject: str) -> dict[str, str]:
    """The messages of a date field about `subject` ("the target date"), by error code."""
    capital = subject[:1].upper() + subject[1:]
    return {
        "required": DATE_REQUIRED.format(subject=subject),
        "missing_parts": DATE_MISSING_PARTS.format(Subject=capital, parts="%(parts)s"),
        "year_digits": DATE_YEAR_DIGITS.format(Subject=capital),
        "invalid": DATE_INVALID.format(subject=subject),
        "out_of_range": DATE_OUT_OF_RANGE.format(Subject=capital),
    }


def date_from_parts(day: str, month: str, year: str) -> dt.date:
    """The date three boxes name (numbers, leading zeros optional); ValueError otherwise."""
    if not all(re.fullmatch(r"[0-9]{1,4}", text) for text in (day, month, year)):
        raise ValueError(f"{(day, month, year)!r} are not numbers")
    if len(year) != 4:
        raise YearDigits(year)
    day_value = dt.date(int(year), int(month), int(day))  # ValueError for 31 2 2026
    if not EARLIEST <= day_value <= LATEST:
        raise DateOutOfRange(f"{day_value} is outside {EARLIEST}..{LATEST}")
    return day_value


class YearDigits(ValueError):
    """A year written with fewer (or more) than four numbers: 26 for 2026."""


class DateField(forms.Field):
    """A form date asked as day, month and year (DayMonthYearInput), within the range.

    `subject` is how its messages name the date ("the evidence expiry date"); by default "the"
    and the label. The field's help text is followed by the one DATE_HINT.
    """

    widget = DayMonthYearInput

    def __init__(self, *, subject: str = "", help_text: str = "", **kwargs) -> None:
        label = kwargs.get("label") or "date"
        self.subject = subject or f"the {label[:1].lower()}{label[1:]}"
        messages = date_messages(self.subject)
        messages.update(kwargs.pop("error_messages", None) or {})
        hint = f"{help_text} {DATE_HINT}" if help_text else DATE_HINT
        super().__init__(help_text=hint, error_messages=messages, **kwargs)

    def to_python(self, value):
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            value = value.isoformat()
        if isinstance(value, (list, tuple)):
            return self._from_parts([str(v or "").strip() for v in value])
        if value in self.empty_values:
            return None
        try:
            return parse_date(str(value))
        except DateOutOfRange:
            raise ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            ) from None
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def _from_parts(self, parts: list[str]) -> dt.date | None:
        if not any(parts):
            return None
        missing = [name for name, text in zip(PARTS, parts, strict=True) if not text]
        if missing:
            raise ValidationError(
                self.error_messages["missing_parts"],
                code="missing_parts",
                params={
                    "parts": " and ".join(f"a {name}" for name in missing),
                    "boxes": tuple(missing),
                },
            )
        try:
            return date_from_parts(*parts)
        except YearDigits:
            raise ValidationError(
                self.error_messages["year_digits"], code="year_digits", params={"boxes": ("year",)}
            ) from None
        except DateOutOfRange:
            raise ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            ) from None
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


def error_boxes(bound_field) -> tuple[str, ...]:
    """Which boxes of a date field to mark as wrong: the ones its error names, else all three."""
    boxes: set[str] = set()
    for error in bound_field.form.errors.as_data().get(bound_field.name, ()):
        named = (error.params or {}).get("boxes")
        if not named:
            return PARTS
        boxes.update(named)
    return tuple(part for part in PARTS if part in boxes)


class ApiDateField(serializers.DateField):
    """An API date: YYYY-MM-DD only (OpenAPI `format: date`), within the range."""

    default_error_messages = {"invalid": API_INVALID, "out_of_range": API_OUT_OF_RANGE}

    def __init__(self, **kwargs) -> None:
        super().__init__(input_formats=[ISO_FORMAT], **kwargs)

    def to_internal_value(self, value) -> dt.date:
        if isinstance(value, dt.datetime):
            self.fail("datetime")
        text = value.isoformat() if isinstance(value, dt.date) else value
        if not isinstance(text, str):
            self.fail("invalid", format=ISO_FORMAT)
        try:
            return parse_date(text, (ISO_FORMAT,))
        except DateOutOfRange:
            self.fail("out_of_range")
        except ValueError:
            self.fail("invalid", format=ISO_FORMAT)


def short_date(value: dt.date) -> str:
    """`value|date:"j M Y"` ("21 Apr 2027"), the short date of the checklist's lines and the
    training matrix's cells, built from the same pieces Django's DateFormat uses (day, the
    translated MONTHS_3, four-digit year) without its set-up per call, which cost ~32 us a
    date: the matrix prints ~150 (issue 14). tests/test_dates.py holds it equal to Django's."""
    return f"{value.day} {MONTHS_3[value.month].title()} {value.year:04d}"
