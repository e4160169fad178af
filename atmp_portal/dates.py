"""The one rule for dates people and systems give us (forms, page queries, the API, CSV import).

A date is written with a four-digit year and two-digit month and day: YYYY-MM-DD everywhere,
and in forms and CSV files (what people type) also DD/MM/YYYY. "2027-3-1" and "1/3/2027" are
refused everywhere: strptime would take them, ISO 8601 does not, and one rule is easier to
explain than two. Dates must lie between EARLIEST and LATEST, which keeps the readiness
engine's arithmetic (a 90-day horizon after the date, renewal periods before it) inside what
Python's date type can hold, so no date however extreme reaches it.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
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


class DateField(forms.DateField):
    """A form date: YYYY-MM-DD (what date pickers send) or DD/MM/YYYY, within the range."""

    default_error_messages = {"invalid": FORM_INVALID, "out_of_range": FORM_OUT_OF_RANGE}

    def __init__(self, **kwargs) -> None:
        # No input_formats argument: every form follows the one rule.
        super().__init__(input_formats=TYPED_FORMATS, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            text = value.isoformat()
        else:
            text = str(value)
        try:
            return parse_date(text)
        except DateOutOfRange:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range") from None
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


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
