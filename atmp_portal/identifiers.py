"""Formats of trial, organisation and registration identifiers (domain.md §8).

Values are normalised (trimmed, upper-cased, inner spaces dropped) before they are checked,
so "isrctn 99900012" is stored as "ISRCTN99900012". Check digits are not verified: their
algorithms are not published in our sources, so only the format is enforced.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

PATTERNS: dict[str, re.Pattern[str]] = {
    "iras": re.compile(r"^\d{6,7}$"),
    "isrctn": re.compile(r"^ISRCTN\d{8}$"),
    "nct": re.compile(r"^NCT\d{8}$"),
    "eudract": re.compile(r"^(200[4-9]|20[1-2]\d)-\d{6}-\d{2}$"),
    "eu_ct": re.compile(r"^20[2-9]\d-5\d{5}-\d{2}-\d{2}$"),
    "rec_ref": re.compile(r"^\d{2}/[A-Z]{2}/\d{4}$"),
    "cpms": re.compile(r"^\d{4,7}$"),
    "ods_trust": re.compile(r"^R[A-Z0-9]{2}$"),
    "ods_trust_site": re.compile(r"^R[A-Z0-9]{4}$"),
    "ods_wales_hb": re.compile(r"^7A[1-7]$"),
    "other_org": re.compile(r"^[A-Z0-9]{3,9}$"),
    "hta_licence": re.compile(r"^\d{5}$"),
    "gmc": re.compile(r"^\d{7}$"),
    "nmc": re.compile(r"^\d{2}[A-Z]\d{4}[A-Z]$"),
    "gphc": re.compile(r"^\d{7}$"),
    "hcpc": re.compile(r"^[A-Z]{2}\d{5,6}$"),
}

DESCRIPTIONS: dict[str, str] = {
    "iras": "An IRAS ID is 6 or 7 digits, e.g. 9904317.",
    "isrctn": "An ISRCTN is 'ISRCTN' followed by 8 digits, e.g. ISRCTN99900012.",
    "nct": "An NCT number is 'NCT' followed by 8 digits, e.g. NCT09990001.",
    "eudract": "A EudraCT number is YYYY-NNNNNN-CC with a year from 2004, e.g. 2019-999943-21.",
    "eu_ct": "An EU CT number is YYYY-5NNNNN-NN-NN with a year from 2020, e.g. 2024-599901-22-00.",
    "rec_ref": "A REC reference is YY/XX/NNNN, e.g. 24/LO/0123.",
    "cpms": "A CPMS ID is 4 to 7 digits.",
    "ods_trust": "An NHS trust ODS code is R followed by 2 letters or digits, e.g. RTD.",
    "ods_trust_site": "A trust site ODS code is R followed by 4 letters or digits.",
    "ods_wales_hb": "A Welsh health board code is 7A followed by a digit from 1 to 7, e.g. 7A4.",
    "other_org": "An organisation code is 3 to 9 letters or digits.",
    "hta_licence": "An HTA licence number is 5 digits, e.g. 11122.",
    "gmc": "A GMC number is 7 digits.",
    "nmc": "An NMC PIN is 2 digits, a letter, 4 digits and a letter, e.g. 98A1234E.",
    "gphc": "A GPhC registration number is 7 digits.",
    "hcpc": "An HCPC registration is 2 letters and 5 or 6 digits, e.g. BS12345.",
}

ODS_KINDS = ("ods_trust", "ods_trust_site", "ods_wales_hb")


def normalise(value: str) -> str:
    """Trim, upper-case and drop inner spaces ("isrctn 123..." -> "ISRCTN123...")."""
    return re.sub(r"\s+", "", value or "").upper()


def is_valid(kind: str, value: str) -> bool:
    return bool(PATTERNS[kind].match(normalise(value)))


def validate(kind: str, value: str) -> None:
    if not is_valid(kind, value):
        raise ValidationError(DESCRIPTIONS[kind], code=f"invalid_{kind}")


def validate_org_code(code_system: str, value: str) -> None:
    """ODS codes for England and Wales (trust, trust site or Welsh health board); others lenient."""
    if code_system == "ods_england_wales":
        if not any(is_valid(kind, value) for kind in ODS_KINDS):
            raise ValidationError(
                {
                    "ods_code": "An ODS code is R plus 2 or 4 letters or digits (e.g. RTD, RTD01), "
                    "or 7A plus a digit 1-7 for a Welsh health board (e.g. 7A4)."
                },
                code="invalid_ods",
            )
    elif not is_valid("other_org", value):
        raise ValidationError({"ods_code": DESCRIPTIONS["other_org"]}, code="invalid_org_code")


class IdentifierValidator:
    """A field validator for one identifier kind, usable in model and form fields."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, value: str) -> None:
        validate(self.kind, value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdentifierValidator) and other.kind == self.kind

    def deconstruct(self) -> tuple[str, tuple[str], dict]:
        return ("atmp_portal.identifiers.IdentifierValidator", (self.kind,), {})
