"""Every form's error messages name their field (NHS.UK: "Enter a change note", never "This
field is required.").

Each form of the portal is an `atmp_portal.forms.Form` or `ModelForm` (ruff's banned-api rule
points `django.forms.Form` here), or puts `NamedErrors` first in its bases. Before a form is
validated, every message of its fields that is still Django's default is replaced by one of the
wordings below, built from the field's label ("Reason for the change (optional)" reads "the
reason for the change"); a label that does not read as a name ("Sort by") is named in the
form's `error_subjects` ({"sort": "the order"}). A message a form sets itself is kept. Dates
have their own wording (atmp_portal.dates), from the same subject. tests/test_forms.py walks every form class of the project.
"""

from __future__ import annotations

import re

from django import forms
from django.core import validators
from django.forms.utils import pretty_name

ENTER = "Enter {subject}"
SELECT = "Select {subject}"
FROM_THE_LIST = "Select {subject} from the list"
TOO_LONG = "{Subject} must be %(limit_value)d characters or fewer"
TOO_SHORT = "{Subject} must be %(limit_value)d characters or more"
TOO_HIGH = "{Subject} must be %(limit_value)s or less"
TOO_LOW = "{Subject} must be %(limit_value)s or more"
NOT_WHOLE = "{Subject} must be a whole number"
NOT_NUMBER = "{Subject} must be a number"
NOT_EMAIL = "Enter {subject} in the correct format, like name@example.com"
NOT_URL = "Enter {subject} as a full web address, like https://www.nhs.uk"
EMPTY_FILE = "The file you chose for {subject} is empty"
NO_FILE = "Select a file for {subject}"
NOT_SLUG = "{Subject} must only include letters a to z, numbers, hyphens and underscores"

_CHOOSING = (forms.ChoiceField, forms.ModelChoiceField, forms.BooleanField, forms.FileField)
_DETERMINERS = (
    "the ",
    "a ",
    "an ",
    "your ",
    "their ",
    "its ",
    "this ",
    "who ",
    "what ",
    "when ",
    "which ",
    "how ",
    "why ",
    "where ",
    "whether ",
)


def subject_of(label: str) -> str:
    """How a message names a field: "Reason for the change (optional)" -> "the reason for the
    change"; a question or a label that already starts with a determiner stays as it is."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", str(label)).strip().rstrip(":?").strip()
    text = re.sub(r"^(Or|And) ", "", text)
    if not text[1:2].isupper():  # keep acronyms ("IRAS ID", "ODS code")
        text = text[:1].lower() + text[1:]
    return text if text.startswith(_DETERMINERS) else f"the {text}"


def _django_defaults(field: forms.Field) -> dict[str, str]:
    """The messages Django itself gives this field class (what a form has not replaced)."""
    defaults: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        defaults.update(getattr(cls, "default_error_messages", {}))
    return defaults


def named_messages(field: forms.Field, label: str, subject: str = "") -> dict[str, str]:
    """Messages naming the field by its label (or `subject`), for each code it can raise."""
    subject = subject or subject_of(label)
    words = {"subject": subject, "Subject": subject[:1].upper() + subject[1:]}
    required = SELECT if isinstance(field, _CHOOSING) else ENTER
    messages = {
        "required": required,
        "invalid_choice": FROM_THE_LIST,
        "invalid_list": FROM_THE_LIST,
        "list": FROM_THE_LIST,
        "invalid_pk_value": FROM_THE_LIST,
        "max_length": TOO_LONG,
        "min_length": TOO_SHORT,
        "max_value": TOO_HIGH,
        "min_value": TOO_LOW,
        "empty": EMPTY_FILE,
        "missing": NO_FILE,
    }
    if isinstance(field, forms.IntegerField):
        messages["invalid"] = NOT_WHOLE
    elif isinstance(field, (forms.FloatField, forms.DecimalField)):
        messages["invalid"] = NOT_NUMBER
    elif isinstance(field, forms.EmailField):
        messages["invalid"] = NOT_EMAIL
    elif isinstance(field, forms.URLField):
        messages["invalid"] = NOT_URL
    elif isinstance(field, forms.SlugField):
        messages["invalid"] = NOT_SLUG
    return {code: text.format(**words) for code, text in messages.items()}


def name_errors(fields: dict[str, forms.Field], subjects: dict[str, str] | None = None) -> None:
    """Replace every message of `fields` that is still Django's default (or a validator's
    default) with one that names the field (by `subjects[name]` when given)."""
    for name, field in fields.items():
        if getattr(field, "named_errors", False):
            continue
        defaults = _django_defaults(field)
        named = named_messages(
            field,
            field.label or pretty_name(name),
            (subjects or {}).get(name) or getattr(field, "subject", ""),
        )
        for code, text in named.items():
            current = field.error_messages.get(code)
            if current is None and code in _VALIDATOR_CODES:
                if any(getattr(v, "code", None) == code for v in field.validators):
                    field.error_messages[code] = text
            elif current is None or current == defaults.get(code):
                field.error_messages[code] = text
        field.named_errors = True


# Codes whose default message comes from a validator, not from the field's error_messages
# (Field.run_validators uses the field's message for the code when there is one).
_VALIDATOR_CODES = {
    "max_length": validators.MaxLengthValidator,
    "min_length": validators.MinLengthValidator,
    "max_value": validators.MaxValueValidator,
    "min_value": validators.MinValueValidator,
}


class NamedErrors:
    """First in the bases of a form: its fields' messages name them (see the module)."""

    error_subjects: dict[str, str] = {}

    def full_clean(self) -> None:
        name_errors(self.fields, self.error_subjects)
        super().full_clean()


class Form(NamedErrors, forms.Form):  # noqa: TID251 (the one place it is named)
    """The portal's form: every error names its field."""


class ModelForm(NamedErrors, forms.ModelForm):  # noqa: TID251
    """The portal's model form: every error names its field."""
