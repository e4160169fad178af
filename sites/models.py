"""Regions, sites, the capability catalogue and each site's readiness checklist."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from atmp_portal import identifiers
from atmp_portal.enums import AtmpClass
from atmp_portal.models import TimeStamped


class Region(models.Model):
    class Kind(models.TextChoices):
        RRDN = "rrdn", "NIHR Regional Research Delivery Network"
        NATION = "nation", "Devolved nation"

    code = models.SlugField(max_length=10, unique=True, help_text="e.g. NENC, NW, WALES.")
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    nhs_region = models.CharField("NHS England region", max_length=80, blank=True)
    host_organisation = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Site(TimeStamped):
    class CodeSystem(models.TextChoices):
        ODS = "ods_england_wales", "ODS (England and Wales)"
        SCOTLAND = "scotland", "Scottish health board code"
        NORTHERN_IRELAND = "northern_ireland", "Northern Ireland HSC trust code"
        OTHER = "other", "Other"

    class Attc(models.TextChoices):
        NONE = "", "None"
        NA_ATTC = "na_attc", "Northern Alliance ATTC"
        IMATCH = "imatch", "iMATCH"
        MW_ATTC = "mw_attc", "Midlands-Wales ATTC"
        LONDON_ATTC = "london_attc", "London Advanced Therapies ATTC"

    name = models.CharField(max_length=200)
    ods_code = models.CharField(
        "organisation code",
        max_length=12,
        unique=True,
        help_text="ODS code for English and Welsh organisations (e.g. RTD, 7A4).",
    )
    code_system = models.CharField(
        max_length=20, choices=CodeSystem.choices, default=CodeSystem.ODS
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="sites")
    city = models.CharField(max_length=100)
    attc = models.CharField(
        "ATTC membership", max_length=20, choices=Attc.choices, blank=True, default=Attc.NONE
    )
    description = models.TextField(blank=True)
    is_demo = models.BooleanField(default=False)
    # Approximate location of the main hospital, for the national map (WGS84 degrees).
    latitude = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["region", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"

    def clean(self) -> None:
        identifiers.validate_org_code(self.code_system, self.ods_code)


class SiteMembership(models.Model):
    """A user's role at a site: what gives coordinators and pharmacists their access."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", "Site coordinator"
        PHARMACIST = "pharmacist", "Pharmacist"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_memberships"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "site", "role"], name="unique_site_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.site.ods_code}"


class NetworkRegion(models.Model):
    """A region a network coordinator with regional scope may see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_regions"
    )
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "region"], name="unique_network_region")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.region.code}"


class Capability(models.Model):
    """One entry of the capability catalogue (domain.md §2)."""

    class Category(models.TextChoices):
        STORAGE = "storage", "Storage"
        PHARMACY = "pharmacy", "Pharmacy"
        CLINICAL = "clinical", "Clinical"
        LABORATORY = "laboratory", "Laboratory"
        GOVERNANCE = "governance_regulatory", "Governance and regulatory"
        LOGISTICS = "logistics", "Logistics"
        WORKFORCE = "workforce", "Workforce"

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=150)
    category = models.CharField(max_length=30, choices=Category.choices)
    description = models.TextField()
    atmp_classes = models.JSONField(
        default=list, blank=True, help_text="ATMP classes this capability applies to."
    )
    applies_when = models.JSONField(
        default=list,
        blank=True,
        help_text="Product properties that make it relevant: autologous, cryopreserved, gmo.",
    )
    applies_note = models.CharField(max_length=120, blank=True)
    evidence_expected = models.JSONField(
        default=list,
        blank=True,
        help_text="Evidence that closes a gap: list of {type, label, validity_months}.",
    )
    evidence_validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Default validity of evidence when a document carries no expiry; empty = no expiry.",
    )
    is_custom = models.BooleanField(
        default=False, help_text="Added by the portal, not in the catalogue."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "name"]
        verbose_name_plural = "capabilities"

    def __str__(self) -> str:
        return self.name

    @property
    def atmp_class_labels(self) -> list[str]:
        labels = dict(AtmpClass.choices)
        return [labels.get(code, code) for code in self.atmp_classes]


class EvidenceDocument(models.Model):
    """Every uploaded file (capability evidence, training certificates) is one of these."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=["application/pdf", "image/png", "image/jpeg"]),
                name="evidence_content_type_allowed",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class ChecklistHistory(models.Model):
    """Columns a checklist item's history rows carry beyond simple-history's own.

    `edit_session` names the form an edit came from, so that the autosaves of one edit session
    are one history entry (sites.services.capability_update); `evidence_added` names the files
    added by that entry, so the change reason stays the user's own words.
    """

    edit_session = models.CharField(max_length=32, blank=True, default="")
    evidence_added = models.TextField(blank=True, default="", help_text="One file name a line.")

    class Meta:
        abstract = True


class SiteCapability(TimeStamped):
    """A site's status against one capability: the unit of the readiness checklist."""

    class Status(models.TextChoices):
        IN_PLACE = "in_place", "In place"
        IN_PROGRESS = "in_progress", "In progress"
        NOT_IN_PLACE = "not_in_place", "Not in place"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="capabilities")
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_IN_PLACE)
    notes = models.TextField(blank=True)
    not_applicable_reason = models.TextField(blank=True)
    evidence_expires_on = models.DateField(
        null=True,
        blank=True,
        help_text="Last day the evidence is valid. Empty: the evidence does not expire.",
    )
    evidence = models.ManyToManyField(EvidenceDocument, blank=True, related_name="capabilities")
    version = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Raised on every change."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=["created_at", "updated_at"],
        bases=[ChecklistHistory],
        # A reason is kept whole: an inspector reads what the user wrote, not its first 100 characters.
        history_change_reason_field=models.TextField(null=True),
    )

    class Meta:
        ordering = ["site", "capability"]
        verbose_name_plural = "site capabilities"
        constraints = [
            models.UniqueConstraint(fields=["site", "capability"], name="unique_site_capability"),
            models.CheckConstraint(
                condition=~models.Q(status="not_applicable") | ~models.Q(not_applicable_reason=""),
                name="not_applicable_needs_reason",
            ),
        ]
        indexes = [
            # The ranking's capability count (reports/readiness/summary_sql.py) reads only the
            # index: which sites have each required capability in place, and until when.
            models.Index(
                fields=["capability", "site"],
                include=["evidence_expires_on"],
                condition=models.Q(status="in_place"),
                name="sitecap_in_place_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.ods_code}: {self.capability.code} — {self.get_status_display()}"

    def is_met_on(self, on: dt.date) -> bool:
        """In place, with evidence valid up to and including its expiry date."""
        if self.status != self.Status.IN_PLACE:
            return False
        return self.evidence_expires_on is None or self.evidence_expires_on >= on


@receiver(pre_create_historical_record, sender=SiteCapability.history.model)
def _record_edit_session(sender, instance, history_instance, **kwargs) -> None:
    history_instance.edit_session = getattr(instance, "_edit_session", "")
    history_instance.evidence_added = getattr(instance, "_evidence_added", "")
