from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils import timezone

from atmp_portal.dates import DateField
from atmp_portal.enums import AtmpClass, ProductStatus
from atmp_portal.forms import Form
from guidance.models import GuidanceDocument, Section, Topic
from guidance.services import REVIEW_BEFORE_EFFECTIVE
from sites.models import Capability
from training.models import Course

# Paths under /guidance/ that a document slug must not take.
RESERVED_SLUGS = frozenset({"acknowledgements", "editor", "search"})
SLUG_RESERVED = "This address is used by the portal: choose another."
SLUG_TAKEN = "A document with this address already exists."
EFFECTIVE_TOO_OLD = "The effective date cannot be more than a year in the past."
REVIEW_TOO_FAR = "The review date must be within 5 years of the effective date."
QUERY_MAX_CHARS = 1000
# Each empty required field says which one it is (not "This field is required." three times).
TITLE_REQUIRED = "Enter a title"
SUMMARY_REQUIRED = "Enter a summary"
BODY_REQUIRED = "Enter the guidance text"
SLUG_REQUIRED = "Enter a web address"
SECTION_REQUIRED = "Choose a section"
TOPICS_REQUIRED = "Choose at least one handling topic"
CHANGE_NOTE_REQUIRED = "Enter a change note"
EFFECTIVE_REQUIRED = "Enter the date this version is effective from"
REVIEW_REQUIRED = "Enter the date this guidance is due for review"
REREAD_REQUIRED = "Choose whether readers of the current version must read this one"
REREAD_YES = "yes"
REREAD_NO = "no"


def _required(message: str) -> dict[str, str]:
    return {"required": message}


def search_params(params: QueryDict) -> QueryDict:
    """The query string with NUL taken out of q: searching must never fail, and Django's
    fields would otherwise reject the whole request for one invisible character."""
    cleaned = params.copy()
    if "q" in cleaned:
        cleaned["q"] = cleaned["q"].replace("\x00", " ")
    return cleaned


def _with_all(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class SearchForm(Form):
    q = forms.CharField(
        label="Search guidance",
        required=False,
        strip=True,
        help_text='Words or a question. Use quotes for a phrase ("dry shipper") and a minus sign '
        "to leave a word out.",
    )
    section = forms.ChoiceField(
        label="Section", required=False, choices=_with_all("All sections", Section.choices)
    )
    topic = forms.ChoiceField(
        label="Handling topic", required=False, choices=_with_all("All topics", Topic.choices)
    )
    atmp_class = forms.ChoiceField(
        label="ATMP class",
        required=False,
        choices=_with_all("All ATMP classes", AtmpClass.choices),
    )

    def clean_q(self) -> str:
        # Longer text is cut rather than refused: searching must never fail (search.py caps it
        # further).
        return (self.cleaned_data.get("q") or "")[:QUERY_MAX_CHARS]


class DraftForm(Form):
    title = forms.CharField(max_length=200, error_messages=_required(TITLE_REQUIRED))
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required(SUMMARY_REQUIRED),
        help_text="One or two sentences shown in search results.",
    )
    body_markdown = forms.CharField(
        label="Guidance text",
        widget=forms.Textarea(attrs={"rows": 18}),
        error_messages=_required(BODY_REQUIRED),
        help_text="Markdown: ## for headings, - for lists, **bold**, [link text](https://...). "
        "Raw HTML is removed.",
    )


class DocumentForm(DraftForm):
    error_subjects = {"atmp_classes": "the ATMP classes"}

    slug = forms.SlugField(
        label="Web address",
        max_length=120,
        error_messages=_required(SLUG_REQUIRED),
        help_text="Lower-case letters, numbers and hyphens, e.g. thawing-cell-products.",
    )
    section = forms.ChoiceField(
        choices=_with_all("Choose a section", Section.choices),
        error_messages=_required(SECTION_REQUIRED),
    )
    topics = forms.MultipleChoiceField(
        label="Handling topics",
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_required(TOPICS_REQUIRED),
    )
    atmp_classes = forms.MultipleChoiceField(
        label="Applies to ATMP classes",
        choices=AtmpClass.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    product_statuses = forms.MultipleChoiceField(
        label="Product status",
        choices=ProductStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    source = forms.CharField(
        label="Source document",
        max_length=400,
        required=False,
        help_text="The public document this guidance summarises.",
    )

    field_order = [
        "title",
        "slug",
        "section",
        "topics",
        "atmp_classes",
        "product_statuses",
        "source",
        "summary",
        "body_markdown",
    ]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(SLUG_RESERVED)
        if GuidanceDocument.objects.filter(slug=slug).exists():
            raise forms.ValidationError(SLUG_TAKEN)
        return slug


class PublishForm(Form):
    error_subjects = {"needs_reread": "whether readers must read this version"}

    change_note = forms.CharField(
        label="What changed",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required(CHANGE_NOTE_REQUIRED),
        help_text="Readers see this note with the new version.",
    )
    effective_date = DateField(
        label="Effective from",
        subject="the date this version is effective from",
        error_messages=_required(EFFECTIVE_REQUIRED),
    )
    review_due = DateField(
        label="Review due",
        subject="the date this guidance is due for review",
        help_text="When an editor must check this guidance again.",
        error_messages=_required(REVIEW_REQUIRED),
    )

    needs_reread = forms.TypedChoiceField(
        label="Must everyone who read the current version read this one?",
        choices=[
            (
                REREAD_YES,
                "Yes: the guidance changed (for example a step, a limit or a contact). "
                "Everyone who read an earlier version sees it on their home page and must confirm "
                "again; pharmacists also get an e-mail",
            ),
            (
                REREAD_NO,
                "No: nothing a reader acts on changed (for example a typo or a link). "
                "Nobody is told, and readers of the current version stay marked as read",
            ),
        ],
        coerce=lambda value: value == REREAD_YES,
        widget=forms.RadioSelect,
        error_messages=_required(REREAD_REQUIRED),
        help_text="The version's history records your choice.",
    )

    def __init__(self, *args, has_current: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not has_current:
            # The first version: everyone must read it; there is nobody to ask again.
            del self.fields["needs_reread"]

    def clean_effective_date(self) -> dt.date:
        effective = self.cleaned_data["effective_date"]
        if effective < timezone.localdate() - dt.timedelta(days=365):
            raise forms.ValidationError(EFFECTIVE_TOO_OLD)
        return effective

    def clean(self) -> dict:
        cleaned = super().clean()
        effective, review = cleaned.get("effective_date"), cleaned.get("review_due")
        if effective and review:
            if review <= effective:
                self.add_error("review_due", REVIEW_BEFORE_EFFECTIVE)
            elif review > effective + dt.timedelta(days=5 * 366):
                self.add_error("review_due", REVIEW_TOO_FAR)
        return cleaned


CAPABILITY_NOT_LISTED = "Choose capabilities from the list: “%(value)s” is not one of them"
COURSE_NOT_LISTED = "Choose courses from the list: “%(value)s” is not one of them"


class SupportsForm(Form):
    """Which capabilities and courses a document helps with (shown where the gap is).

    The page draws its own grouped, filterable checkboxes (`supports_groups`); this form
    validates what comes back, by code.
    """

    capabilities = forms.ModelMultipleChoiceField(
        label="Capabilities this guidance helps a site put in place",
        required=False,
        queryset=Capability.objects.order_by("category", "name"),
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
        error_messages={"invalid_choice": CAPABILITY_NOT_LISTED},
    )
    courses = forms.ModelMultipleChoiceField(
        label="Courses this guidance supports",
        required=False,
        queryset=Course.objects.order_by("title"),
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
        error_messages={"invalid_choice": COURSE_NOT_LISTED},
    )


COURSE_GROUP_LABELS = {
    Course.Scope.GENERIC: "Courses for any ATMP work",
    Course.Scope.PER_PRODUCT: "Product-specific courses",
    Course.Scope.PER_TRIAL: "Trial-specific courses",
}


@dataclass(frozen=True)
class Choice:
    code: str
    name: str
    checked: bool


def _grouped(items, *, group_of, label_of, name_of, text_of, chosen: set[str], query: str):
    """[(group label, [Choice])] in the items' order; items whose name or description hold
    every word of `query` (any order, any case), and every chosen item whatever the query, so
    filtering never drops a tick."""
    words = query.lower().split()
    groups: dict[str, list[Choice]] = {}
    for item in items:
        checked = item.code in chosen
        if checked or all(word in text_of(item).lower() for word in words):
            groups.setdefault(label_of(group_of(item)), []).append(
                Choice(item.code, name_of(item), checked)
            )
    return list(groups.items())


def supports_groups(
    chosen_capabilities: set[str], chosen_courses: set[str], query: str = ""
) -> tuple[list, list]:
    """The link editor's checkboxes: capabilities by category, courses by scope, by name."""
    category = dict(Capability.Category.choices)
    capabilities = _grouped(
        Capability.objects.order_by("category", "name").only(
            "code", "name", "category", "description"
        ),
        group_of=lambda c: c.category,
        label_of=lambda code: category.get(code, code),
        name_of=lambda c: c.name,
        text_of=lambda c: f"{c.name} {c.description}",
        chosen=chosen_capabilities,
        query=query,
    )
    courses = _grouped(
        Course.objects.order_by("scope", "title").only("code", "title", "scope", "provider"),
        group_of=lambda c: c.scope,
        label_of=lambda code: COURSE_GROUP_LABELS.get(code, code),
        name_of=lambda c: c.title,
        text_of=lambda c: f"{c.title} {c.provider}",
        chosen=chosen_courses,
        query=query,
    )
    return capabilities, courses
