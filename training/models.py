"""Course catalogue, site staff and their training records."""

from __future__ import annotations

import datetime as dt
from calendar import monthrange

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from atmp_portal.expiring import is_expiring
from atmp_portal.models import TimeStamped
from sites.models import EvidenceDocument, Site


class StaffRole(models.TextChoices):
    """Site roles of domain.md §4; a staff member may hold several."""

    PI = "PI", "Principal Investigator"
    SUB_I = "SUB_I", "Sub-investigator"
    RESEARCH_NURSE = "RESEARCH_NURSE", "Research nurse"
    ATMP_COORD = "ATMP_COORD", "ATMP / CAR-T coordinator"
    RD_MANAGER = "RD_MANAGER", "R&D manager"
    TRIAL_PHARM = "TRIAL_PHARM", "Clinical trials pharmacist"
    PHARM_TECH = "PHARM_TECH", "Pharmacy technician"
    CHIEF_PHARM = "CHIEF_PHARM", "Chief pharmacist"
    QA_PHARM = "QA_PHARM", "Quality assurance pharmacist"
    ASEPTIC_MGR = "ASEPTIC_MGR", "Aseptic services manager"
    CELL_LAB_SCI = "CELL_LAB_SCI", "Cell therapy laboratory scientist"
    CELL_LAB_MGR = "CELL_LAB_MGR", "Cell therapy laboratory manager"
    HTA_DI = "HTA_DI", "HTA Designated Individual"
    APH_NURSE = "APH_NURSE", "Apheresis nurse"
    APH_LEAD = "APH_LEAD", "Apheresis medical lead"
    WARD_NURSE = "WARD_NURSE", "Haematology/BMT ward nurse"
    ICU_LEAD = "ICU_LEAD", "Critical care lead"
    NEURO_LEAD = "NEURO_LEAD", "Neurology link consultant"
    BSO = "BSO", "Biological Safety Officer"
    GMSC_CHAIR = "GMSC_CHAIR", "GMSC chair or secretary"
    QUALITY_MGR = "QUALITY_MGR", "JACIE quality manager"
    DATA_MGR = "DATA_MGR", "Trial data manager"


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, monthrange(year, month)[1]))


RENEWAL_MONTHS_MAX = 120
RENEWAL_MONTHS_RANGE = (
    f"Enter a renewal period from 1 to {RENEWAL_MONTHS_MAX} months, or leave it empty if "
    "a completion never expires"
)


class Course(models.Model):
    class Scope(models.TextChoices):
        GENERIC = "generic", "Generic"
        PER_PRODUCT = "per_product", "Per product"
        PER_TRIAL = "per_trial", "Per trial"

    code = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    provider = models.CharField("typical provider", max_length=200, blank=True)
    # Bounded so that completion + renewal stays a real date (the readiness engine adds it).
    renewal_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=f"Months a completion stays valid, 1 to {RENEWAL_MONTHS_MAX}; empty = never expires.",
        validators=[
            MinValueValidator(1, message=RENEWAL_MONTHS_RANGE),
            MaxValueValidator(RENEWAL_MONTHS_MAX, message=RENEWAL_MONTHS_RANGE),
        ],
    )
    roles = models.JSONField(default=list, blank=True, help_text="Role codes that usually need it.")
    roles_note = models.CharField(max_length=200, blank=True)
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.GENERIC)
    is_custom = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(renewal_months__isnull=True)
                | models.Q(renewal_months__gte=1, renewal_months__lte=RENEWAL_MONTHS_MAX),
                name="course_renewal_months_1_to_120",
                violation_error_message=RENEWAL_MONTHS_RANGE,
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def expiry_after(self, completed_on: dt.date) -> dt.date | None:
        """Last valid day of a completion: completion plus the renewal period."""
        if self.renewal_months is None:
            return None
        return add_months(completed_on, self.renewal_months)


class StaffMember(TimeStamped):
    """A person at a site who may need training. Leavers are deactivated, never deleted."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="staff")
    full_name = models.CharField(max_length=150)
    email = models.EmailField("work e-mail")
    roles = models.JSONField(default=list, help_text="One or more site role codes.")
    job_title = models.CharField(max_length=150, blank=True)
    registration_number = models.CharField(
        max_length=20, blank=True, help_text="GMC, NMC, GPhC or HCPC number where relevant."
    )
    active = models.BooleanField(default=True)
    left_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=["created_at", "updated_at"],
        history_change_reason_field=models.TextField(null=True),
    )
    # The labels of a list field's items, for the change history (sites.checklist.display_value).
    ITEM_CHOICES = {"roles": StaffRole.choices}

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "email"], name="unique_staff_email_per_site")
        ]
        indexes = [models.Index(fields=["site", "active"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def role_labels(self) -> list[str]:
        labels = dict(StaffRole.choices)
        return [labels.get(code, code) for code in self.roles]


class TrainingRecord(TimeStamped):
    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        EXPIRING = "expiring", "Expiring"
        EXPIRED = "expired", "Expired"
        NOT_YET = "not_yet", "Not yet completed"

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="training")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="records")
    completed_on = models.DateField()
    expiry_override = models.DateField(
        null=True,
        blank=True,
        help_text="Set only when the certificate states another expiry than the course's renewal.",
    )
    certificate = models.ForeignKey(
        EvidenceDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)
    # Records fed in by a trust's learning system (POST .../training-records/bulk/) carry that
    # system's id, so sending the same export again updates them instead of adding copies.
    # Ids are unique within a site's system, not across trusts: `external_site` (always the
    # staff member's site, set with the id) makes the constraint per site.
    external_id = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text="The record's id in the trust's learning system; unique per site.",
    )
    external_site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="The site whose learning system issued external_id.",
    )

    history = HistoricalRecords(
        excluded_fields=["created_at", "updated_at"],
        history_change_reason_field=models.TextField(null=True),
    )

    class Meta:
        ordering = ["staff", "course", "-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "course", "completed_on"], name="unique_training_completion"
            ),
            models.UniqueConstraint(
                fields=["external_site", "external_id"],
                condition=~models.Q(external_id=""),
                name="unique_training_external_id_per_site",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(external_id="", external_site__isnull=True)
                    | (~models.Q(external_id="") & models.Q(external_site__isnull=False))
                ),
                name="training_external_id_has_its_site",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "completed_on"]),
            # The ranking's training count (reports/readiness/summary_sql.py) reads only the
            # index: every record of the required courses, by staff member.
            models.Index(
                fields=["course", "staff"],
                include=["completed_on", "expiry_override"],
                name="training_record_cover_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} — {self.course.code} ({self.completed_on:%d %b %Y})"

    @property
    def expires_on(self) -> dt.date | None:
        return self.expiry_of(self.course, self.completed_on, self.expiry_override)

    @staticmethod
    def expiry_of(
        course: Course, completed_on: dt.date, expiry_override: dt.date | None
    ) -> dt.date | None:
        """A record's expiry from its fields: for reads that load values, not instances."""
        if expiry_override:
            return expiry_override
        return course.expiry_after(completed_on)

    def is_valid_on(self, on: dt.date) -> bool:
        """Completed by that day and valid up to and including its expiry date."""
        expires = self.expires_on
        return self.completed_on <= on and (expires is None or expires >= on)

    def status_on(self, on: dt.date) -> str:
        if self.completed_on > on:
            return self.Status.NOT_YET
        expires = self.expires_on
        if expires is not None and expires < on:
            return self.Status.EXPIRED
        if is_expiring(expires, on):
            return self.Status.EXPIRING
        return self.Status.VALID


class ExpiryDigest(models.Model):
    """One expiry digest e-mailed to one user for one period (a day or an ISO week, by its first
    day): the record that makes a second run of the sweep send nothing.

    Written in the transaction that sends the e-mail; the unique constraint makes a second
    worker wait for the first and then find the row.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=10)
    period_start = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    expired = models.PositiveIntegerField(default=0)
    expiring = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-period_start", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "frequency", "period_start"], name="one_expiry_digest_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.frequency} digest of {self.period_start}"
