"""Versioned ATMP handling guidance and read acknowledgements."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from atmp_portal.enums import AtmpClass, ProductStatus
from atmp_portal.models import TimeStamped

PUBLISHED_IS_IMMUTABLE = "A published guidance version cannot be changed: publish a new version."
PUBLISHED_CANNOT_BE_DELETED = "A published guidance version cannot be deleted: retire the document."
DOCUMENT_HAS_RECORDS = "This document has published versions: retire it instead of deleting it."


class Section(models.TextChoices):
    FUNDAMENTALS = "fundamentals", "Fundamentals"
    GOVERNANCE = "governance_regulatory", "Governance and regulatory"
    INSTITUTIONAL_READINESS = "institutional_readiness", "Institutional readiness"
    CLINICAL_OPERATIONAL = "clinical_operational", "Clinical and operational"
    CLINICAL_TRIALS = "clinical_trials", "Clinical trials"
    EDUCATION = "education", "Education"


class Topic(models.TextChoices):
    STARTING_MATERIAL = "starting_material", "Starting material"
    RECEIPT = "receipt", "Receipt"
    STORAGE = "storage", "Storage"
    TRANSPORT = "transport", "Transport"
    THAW_RECONSTITUTION = "thaw_reconstitution", "Thaw and reconstitution"
    PREPARATION = "preparation", "Preparation"
    DISPENSING_RELEASE = "dispensing_release", "Dispensing and release"
    ADMINISTRATION = "administration", "Administration"
    TOXICITY_SUPPORTIVE_CARE = "toxicity_supportive_care", "Toxicity and supportive care"
    WASTE = "waste", "Waste"
    SPILLS_EXPOSURE = "spills_exposure", "Spills and exposure"
    OOS_DEVIATION = "oos_deviation", "Out of specification and deviations"
    OUTSOURCING_AGREEMENTS = "outsourcing_agreements", "Outsourcing and agreements"
    COSTING_CONTRACTS = "costing_contracts", "Costing and contracts"
    FOLLOW_UP = "follow_up", "Follow-up"


def _labels(choices: type[models.TextChoices], codes: list[str]) -> list[str]:
    """Display labels for stored codes; a code no longer in the choices shows as itself."""
    labels = dict(choices.choices)
    return [labels.get(code, code) for code in codes]


class GuidanceDocument(TimeStamped):
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    section = models.CharField(max_length=30, choices=Section.choices)
    topics = models.JSONField(default=list, help_text="Handling topics (Topic codes).")
    atmp_classes = models.JSONField(default=list, blank=True)
    product_statuses = models.JSONField(
        default=list, blank=True, help_text="marketed, investigational, unlicensed."
    )
    source = models.CharField(
        max_length=400, blank=True, help_text="The public document this summary is modelled on."
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    # What the guidance helps a site put in place: shown beside checklist items and gaps.
    capabilities = models.ManyToManyField(
        "sites.Capability",
        blank=True,
        related_name="+",
        help_text="Capabilities this guidance helps a site put in place.",
    )
    courses = models.ManyToManyField(
        "training.Course",
        blank=True,
        related_name="+",
        help_text="Courses this guidance supports.",
    )

    history = HistoricalRecords(
        excluded_fields=["created_at", "updated_at"], m2m_fields=[capabilities, courses]
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def topic_labels(self) -> list[str]:
        return _labels(Topic, self.topics)

    @property
    def atmp_class_labels(self) -> list[str]:
        return _labels(AtmpClass, self.atmp_classes)

    @property
    def product_status_labels(self) -> list[str]:
        return _labels(ProductStatus, self.product_statuses)

    @property
    def has_records(self) -> bool:
        """Published and superseded versions are records: they, and so the document, stay."""
        return self.versions.exclude(status=GuidanceVersion.Status.DRAFT).exists()

    def delete(self, *args, **kwargs):
        # Deleting the document would cascade to its published versions.
        if self.has_records:
            raise ValidationError(DOCUMENT_HAS_RECORDS)
        return super().delete(*args, **kwargs)


class GuidanceVersionQuerySet(models.QuerySet):
    """Bulk writes may not touch published or superseded versions either."""

    def _touches_records(self) -> bool:
        return self.exclude(status=GuidanceVersion.Status.DRAFT).exists()

    def update(self, **kwargs) -> int:
        if self._touches_records():
            raise ValidationError(PUBLISHED_IS_IMMUTABLE)
        return super().update(**kwargs)

    def delete(self):
        if self._touches_records():
            raise ValidationError(PUBLISHED_CANNOT_BE_DELETED)
        return super().delete()

    delete.queryset_only = True

    def update_record_fields(self, **kwargs) -> int:
        """The one way past the guard: guidance.services uses it for the search vector only."""
        return super().update(**kwargs)


class GuidanceVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        SUPERSEDED = "superseded", "Superseded"

    document = models.ForeignKey(
        GuidanceDocument, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(null=True, blank=True, help_text="Set on publication.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    body_markdown = models.TextField()
    body_html = models.TextField(editable=False, blank=True, help_text="Sanitised rendering.")
    body_text = models.TextField(
        editable=False, blank=True, help_text="Plain text of the rendering (search snippets)."
    )
    change_note = models.TextField(blank=True)
    # The editor's choice on publication: must everyone who read an earlier version read this
    # one (a changed dose, a new step), or not (a typo fixed, a link mended)?
    needs_reread = models.BooleanField(
        default=True,
        help_text="Readers of an earlier version must read this one (set on publication).",
    )
    reread_from = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set on publication: a reader who acknowledged this version number or a later "
        "one has read what matters; the number of the last version that needed a re-read.",
    )
    effective_date = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    history = HistoricalRecords(excluded_fields=["search_vector"])

    objects = GuidanceVersionQuerySet.as_manager()

    class Meta:
        ordering = ["document", "-number"]
        indexes = [GinIndex(fields=["search_vector"], name="guidance_version_search_gin")]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="unique_guidance_version_number"
            ),
            models.UniqueConstraint(
                fields=["document"],
                condition=models.Q(status="published"),
                name="one_published_version_per_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.slug} v{self.number or 'draft'}"

    def save(self, *args, **kwargs) -> None:
        if self.pk:
            stored = GuidanceVersion.objects.filter(pk=self.pk).values("status").first()
            if (
                stored
                and stored["status"] != self.Status.DRAFT
                and not kwargs.pop("_allow_status_change", False)
            ):
                raise ValidationError(PUBLISHED_IS_IMMUTABLE)
        else:
            kwargs.pop("_allow_status_change", None)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and self.status != self.Status.DRAFT:
            raise ValidationError(PUBLISHED_CANNOT_BE_DELETED)
        return super().delete(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_superseded(self) -> bool:
        return self.status == self.Status.SUPERSEDED

    def is_review_overdue(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.review_due is not None and self.review_due < on


class Acknowledgement(models.Model):
    """A user's statement that they have read one version of a guidance document."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    version = models.ForeignKey(
        GuidanceVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="unique_acknowledgement")
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.version}"

    @property
    def is_current(self) -> bool:
        """True while the version read is still the published one; kept after that for history."""
        return self.version.status == GuidanceVersion.Status.PUBLISHED


class RereadNotice(models.Model):
    """One reader told once that a version they must re-read was published (guidance.notices)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(GuidanceVersion, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "version"], name="one_reread_notice_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} told of {self.version}"


class ReviewReminder(models.Model):
    """The monthly review reminder an editor was sent (one per editor and month)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month reminded for.")
    documents = models.PositiveIntegerField(help_text="How many documents the reminder listed.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="one_review_reminder_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.user} reminded for {self.month:%B %Y}"
