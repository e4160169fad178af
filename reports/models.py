"""Readiness gap reports built by Celery jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sites.models import Region, Site
from trials.models import RequirementProfile, Trial


class ReadinessReport(models.Model):
    class Kind(models.TextChoices):
        SITE = "site", "Site"
        TRIAL = "trial", "Trial"
        REGION = "region", "Region"
        NATIONAL = "national", "National"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    # A job is started at most this many times (first run, retries after a transient error or
    # a lost worker); then it is failed with the reason.
    MAX_ATTEMPTS = 3

    kind = models.CharField(max_length=10, choices=Kind.choices)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    trial = models.ForeignKey(
        Trial,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Requirement set: a trial (its profiles plus its own requirements)...",
    )
    profile = models.ForeignKey(
        RequirementProfile,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="...or one requirement profile.",
    )
    as_of = models.DateField(help_text="Readiness is assessed as of this date.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    pdf = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    csv = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    dedup_key = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Hash of requester, kind, scope, requirement set and date: one active job each.",
    )
    task_id = models.CharField(max_length=255, blank=True, editable=False)
    # The outbox (reports.jobs.reports_sweep): when the build message was last handed to the
    # broker, and until when the worker building the job holds it (renewed by its heartbeat).
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"]),
            # The outbox sweep looks only at active jobs, a handful among all reports ever made.
            models.Index(
                fields=["status"],
                condition=models.Q(status__in=["queued", "running"]),
                name="report_active_jobs",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(trial__isnull=False) & models.Q(profile__isnull=False)),
                name="report_one_requirement_set",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="site") | models.Q(site__isnull=False),
                name="site_report_has_site",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="region") | models.Q(region__isnull=False),
                name="region_report_has_region",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="trial") | models.Q(trial__isnull=False),
                name="trial_report_has_trial",
            ),
            # An identical request while one is queued or running returns that job; the
            # database, not a read-then-write, makes that hold under concurrent requests.
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=models.Q(status__in=["queued", "running"]) & ~models.Q(dedup_key=""),
                name="one_active_report_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} report #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def progress_label(self) -> str:
        """What the requester is told while the job is active: a retry says so."""
        if self.status == self.Status.RUNNING:
            if self.attempts > 1:
                return f"Retrying (attempt {self.attempts} of {self.MAX_ATTEMPTS})"
            return "Building"
        if self.status == self.Status.QUEUED and self.attempts:
            return f"Retrying (attempt {self.attempts + 1} of {self.MAX_ATTEMPTS})"
        return self.get_status_display()


class ReadinessStamp(models.Model):
    """The version of one site's readiness data: a new number whenever anything the rules read
    about the site changes (checklist entries, staff, training records, or their history).

    Written only by PostgreSQL triggers (migration 0005), so bulk writes, imports and raw SQL
    move it too; the ranking's cache (reports/readiness/summary_cache.py) keys each site's
    counts by it. The numbers come from one sequence, never reused. No foreign key: a deleted
    site's stamp is written by the cascade's own deletes and does no harm.
    """

    site_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField()

    def __str__(self) -> str:
        return f"site {self.site_id} v{self.version}"


class TrendSnapshot(models.Model):
    """One point of the overview's trend, stored once its date is safely past (reports.trend):
    the readiness of one set of sites against one requirement set as of a past date, which the
    change history no longer changes. Keyed by fingerprints of the two sets, so a changed
    requirement, course renewal or site list is a new key, never a stale point."""

    requirements_key = models.CharField(max_length=64)
    sites_key = models.CharField(max_length=64)
    on = models.DateField()
    sites = models.PositiveIntegerField()
    ready = models.PositiveIntegerField()
    median_score = models.FloatField(null=True)
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["requirements_key", "sites_key", "on"], name="one_trend_point_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"Trend point {self.on} ({self.ready} of {self.sites} ready)"


class CatalogueStamp(models.Model):
    """The version of what requirement sets are built from: one row, a new number whenever a
    capability, course, requirement profile, requirement, requirement alternative, trial
    override or trial's profile list is written.

    Written only by PostgreSQL triggers (migration 0006), so bulk writes and raw SQL move it
    too; the requirement sets' cache (reports/readiness/catalogue_cache.py) keys by it. The
    numbers come from one sequence, never reused.
    """

    id = models.SmallIntegerField(primary_key=True)
    version = models.BigIntegerField()

    def __str__(self) -> str:
        return f"catalogue v{self.version}"
