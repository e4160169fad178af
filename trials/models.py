"""Trials, reusable requirement profiles, and the requirements they carry."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from atmp_portal.enums import AtmpClass
from atmp_portal.identifiers import IdentifierValidator
from atmp_portal.models import TimeStamped
from sites.models import Capability, Site
from training.models import Course, StaffRole


class RequirementLevel(models.TextChoices):
    MANDATORY = "mandatory", "Mandatory"
    RECOMMENDED = "recommended", "Recommended"


class RequirementProfile(TimeStamped):
    """A named, reusable set of requirements ("CAR-T core")."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Trial(TimeStamped):
    class Phase(models.TextChoices):
        PHASE_1 = "1", "Phase 1"
        PHASE_1_2 = "1_2", "Phase 1/2"
        PHASE_2 = "2", "Phase 2"
        PHASE_2_3 = "2_3", "Phase 2/3"
        PHASE_3 = "3", "Phase 3"

    class Origin(models.TextChoices):
        AUTOLOGOUS = "autologous", "Autologous"
        ALLOGENEIC = "allogeneic", "Allogeneic"

    class Presentation(models.TextChoices):
        CRYOPRESERVED = "cryopreserved", "Cryopreserved"
        FROZEN_ULTRA_LOW = "frozen_ultra_low", "Frozen (ultra-low)"
        FRESH = "fresh", "Fresh"
        REFRIGERATED = "refrigerated", "Refrigerated"

    class Status(models.TextChoices):
        IN_SETUP = "in_setup", "In set-up"
        RECRUITING = "recruiting", "Recruiting"
        CLOSED = "closed", "Closed to recruitment"

    short_title = models.CharField(max_length=60, unique=True)
    full_title = models.CharField(max_length=400)
    summary = models.TextField(blank=True)
    sponsor = models.CharField(max_length=200)
    phase = models.CharField(max_length=4, choices=Phase.choices)
    atmp_class = models.CharField("ATMP class", max_length=20, choices=AtmpClass.choices)
    origin = models.CharField(max_length=12, choices=Origin.choices)
    gmo = models.BooleanField("GMO", default=False)
    presentation = models.CharField(max_length=20, choices=Presentation.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_SETUP)
    iras_id = models.CharField(
        "IRAS ID", max_length=7, unique=True, validators=[IdentifierValidator("iras")]
    )
    isrctn = models.CharField(
        "ISRCTN", max_length=14, blank=True, validators=[IdentifierValidator("isrctn")]
    )
    nct_number = models.CharField(
        "NCT number", max_length=11, blank=True, validators=[IdentifierValidator("nct")]
    )
    eudract_number = models.CharField(
        "EudraCT number", max_length=14, blank=True, validators=[IdentifierValidator("eudract")]
    )
    eu_ct_number = models.CharField(
        "EU CT number", max_length=17, blank=True, validators=[IdentifierValidator("eu_ct")]
    )
    profiles = models.ManyToManyField(RequirementProfile, blank=True, related_name="trials")
    is_demo = models.BooleanField(
        default=False, help_text="Fictional trial for demonstrations; never link to registries."
    )

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["short_title"]

    def __str__(self) -> str:
        return self.short_title


class CapabilityRequirement(models.Model):
    """A capability needed by a profile or a trial; any one of its alternatives meets it."""

    profile = models.ForeignKey(
        RequirementProfile, null=True, blank=True, on_delete=models.CASCADE,
        related_name="capability_requirements",
    )
    trial = models.ForeignKey(
        Trial, null=True, blank=True, on_delete=models.CASCADE,
        related_name="capability_requirements",
    )
    capabilities = models.ManyToManyField(
        Capability, related_name="+", help_text="Alternatives: meeting any one meets the requirement."
    )
    level = models.CharField(max_length=12, choices=RequirementLevel.choices)
    note = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords(m2m_fields=[capabilities])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(profile__isnull=False, trial__isnull=True)
                | models.Q(profile__isnull=True, trial__isnull=False),
                name="capability_requirement_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        owner = self.profile or self.trial
        return f"{owner}: capability ({self.level})"


class TrainingRequirement(models.Model):
    """At least `min_staff` active staff (holding `role`, if set) with valid training in a course."""

    profile = models.ForeignKey(
        RequirementProfile, null=True, blank=True, on_delete=models.CASCADE,
        related_name="training_requirements",
    )
    trial = models.ForeignKey(
        Trial, null=True, blank=True, on_delete=models.CASCADE,
        related_name="training_requirements",
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(
        max_length=20, choices=StaffRole.choices, blank=True, help_text="Empty: staff in any role."
    )
    min_staff = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    level = models.CharField(
        max_length=12, choices=RequirementLevel.choices, default=RequirementLevel.MANDATORY
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(profile__isnull=False, trial__isnull=True)
                | models.Q(profile__isnull=True, trial__isnull=False),
                name="training_requirement_has_one_owner",
            ),
            models.CheckConstraint(condition=models.Q(min_staff__gte=1), name="min_staff_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} × {self.min_staff} {self.role or 'any role'}"


class TrialSite(TimeStamped):
    class Status(models.TextChoices):
        FEASIBILITY = "feasibility", "Feasibility"
        IN_SETUP = "in_setup", "In set-up"
        OPEN = "open", "Open to recruitment"
        CLOSED = "closed", "Closed"

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="trial_sites")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="trial_sites")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.FEASIBILITY)
    planned_opening = models.DateField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["trial", "site"]
        constraints = [models.UniqueConstraint(fields=["trial", "site"], name="unique_trial_site")]

    def __str__(self) -> str:
        return f"{self.trial} at {self.site.ods_code}"
