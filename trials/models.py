"""Trials, reusable requirement profiles, and the requirements they carry."""

from __future__ import annotations

from django.conf import settings
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


# A trial's own description and its registry identifiers, as the set-up form, the set-up API
# and the demo catalogue write them (each names the rest it writes beside them).
TRIAL_DESCRIPTION_FIELDS = (
    "short_title",
    "full_title",
    "summary",
    "sponsor",
    "phase",
    "atmp_class",
    "origin",
    "gmo",
    "presentation",
    "status",
)
TRIAL_IDENTIFIER_FIELDS = ("iras_id", "isrctn", "nct_number", "eudract_number", "eu_ct_number")


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

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"], m2m_fields=[profiles])

    class Meta:
        ordering = ["short_title"]

    def __str__(self) -> str:
        return self.short_title


class CapabilityRequirement(models.Model):
    """A capability needed by a profile or a trial; any one of its alternatives meets it."""

    profile = models.ForeignKey(
        RequirementProfile,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="capability_requirements",
    )
    trial = models.ForeignKey(
        Trial,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="capability_requirements",
    )
    capabilities = models.ManyToManyField(
        Capability,
        related_name="+",
        help_text="Alternatives: meeting any one meets the requirement.",
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
        RequirementProfile,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="training_requirements",
    )
    trial = models.ForeignKey(
        Trial,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
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


class RequirementOverride(TimeStamped):
    """A trial's decision about one requirement it inherits from a profile.

    The sponsor may accept an inherited mandatory item as recommended, or not need it at all
    (domain.md, RENEW-SCD). The override acts on the merged requirement with the same identity
    (docs/readiness.md, "Trial overrides"), and always says why.
    """

    class Level(models.TextChoices):
        RECOMMENDED = "recommended", "Relaxed to recommended"
        EXCLUDED = "excluded", "Excluded for this trial"

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="overrides")
    capability_requirement = models.ForeignKey(
        CapabilityRequirement, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    training_requirement = models.ForeignKey(
        TrainingRequirement, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    level = models.CharField(max_length=12, choices=Level.choices)
    reason = models.CharField(max_length=500)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    capability_requirement__isnull=False, training_requirement__isnull=True
                )
                | models.Q(capability_requirement__isnull=True, training_requirement__isnull=False),
                name="override_names_one_requirement",
            ),
            models.UniqueConstraint(
                fields=["trial", "capability_requirement"],
                name="one_override_per_capability_requirement",
            ),
            models.UniqueConstraint(
                fields=["trial", "training_requirement"],
                name="one_override_per_training_requirement",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.trial}: {self.requirement} {self.level}"

    @property
    def requirement(self) -> CapabilityRequirement | TrainingRequirement:
        return self.capability_requirement or self.training_requirement


class TrialSite(TimeStamped):
    """A site's place in a trial's site selection (the NIHR expression-of-interest flow).

    The status moves along `TRANSITIONS`; trials.services.trial_site_move is the only writer,
    and the history keeps who, when and why for every step.
    """

    class Status(models.TextChoices):
        SHORTLISTED = "shortlisted", "Shortlisted"
        INVITED = "invited", "Invited"
        INTERESTED = "interested", "Interested"
        DECLINED = "declined", "Declined"
        SELECTED = "selected", "Selected"
        NOT_SELECTED = "not_selected", "Not selected"
        IN_SETUP = "in_setup", "In set-up"
        OPEN = "open", "Open to recruitment"
        CLOSED = "closed", "Closed"

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="trial_sites")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="trial_sites")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SHORTLISTED)
    planned_opening = models.DateField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who sent the invitation: the site's answer is e-mailed to them.",
    )
    respond_by = models.DateField("response deadline", null=True, blank=True)
    message = models.TextField("invitation message", blank=True)
    reason = models.CharField(
        max_length=500,
        blank=True,
        help_text="Why the last step was taken (the site's answer, or the decision).",
    )

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["trial", "site"]
        constraints = [models.UniqueConstraint(fields=["trial", "site"], name="unique_trial_site")]

    def __str__(self) -> str:
        return f"{self.trial} at {self.site.ods_code}"

    @property
    def is_awaiting_answer(self) -> bool:
        return self.status == self.Status.INVITED


_S = TrialSite.Status
# Where each status may go next. The site's own coordinator takes only the answers to an
# invitation (SITE_ANSWERS); every other step is the network coordinator's.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    _S.SHORTLISTED: (_S.INVITED, _S.NOT_SELECTED),
    _S.INVITED: (_S.INTERESTED, _S.DECLINED, _S.NOT_SELECTED),
    _S.INTERESTED: (_S.SELECTED, _S.NOT_SELECTED),
    _S.DECLINED: (),
    _S.SELECTED: (_S.IN_SETUP, _S.NOT_SELECTED),
    _S.NOT_SELECTED: (),
    _S.IN_SETUP: (_S.OPEN, _S.CLOSED),
    _S.OPEN: (_S.CLOSED,),
    _S.CLOSED: (),
}
SITE_ANSWERS = (_S.INTERESTED, _S.DECLINED)
