"""Actions that close a site's gaps: who will do what by when, for one requirement."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from atmp_portal.models import TimeStamped
from sites.models import Site
from training.models import StaffMember


class GapAction(TimeStamped):
    """An action on one requirement of one site (a blocker or a warning of any trial or profile
    that has the requirement: `requirement_key` is the readiness engine's `Requirement.key`)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="gap_actions")
    requirement_key = models.CharField(max_length=300)
    requirement_label = models.CharField(
        max_length=500, help_text="The requirement's name when the action was created."
    )
    owner_staff = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="gap_actions"
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_date = models.DateField()
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords(
        excluded_fields=["created_at", "updated_at"],
        history_change_reason_field=models.TextField(null=True),
    )

    class Meta:
        ordering = ["target_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_staff__isnull=True) ^ models.Q(owner_user__isnull=True),
                name="gap_action_has_one_owner",
            ),
        ]
        indexes = [models.Index(fields=["site", "status", "target_date"])]

    def __str__(self) -> str:
        return f"{self.site.ods_code}: {self.requirement_label} by {self.target_date}"

    @property
    def owner_name(self) -> str:
        if self.owner_staff_id:
            return self.owner_staff.full_name
        return self.owner_user.full_name or self.owner_user.email

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.target_date < timezone.localdate()
