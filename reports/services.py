"""Report jobs: request one (deduplicated, queued after commit), build it, read it.

The Celery task in reports/tasks.py stays thin: it calls `report_claim`, `report_build_files`
and `report_finish` / `report_fail` from here, so the same rules hold when tasks run eagerly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from reports.models import ReadinessReport
from reports.readiness import (
    TRAINING,
    RequirementSet,
    SiteAssessment,
    assess,
    rank,
    requirement_set_for_profile,
    requirement_set_for_trial,
)
from sites.access import scoped_regions, site_for, visible_sites
from sites.models import Capability, Region, Site
from trials.access import trial_for, visible_trial_sites
from trials.models import RequirementProfile, Trial

logger = logging.getLogger(__name__)

Kind = ReadinessReport.Kind
Status = ReadinessReport.Status

# Messages asserted by tests and shown to users (form errors, API 400/503 bodies).
UNKNOWN_KIND = "Choose a report type: site, trial, region or national."
SITE_REQUIRED = "Choose a site for a site report."
REGION_REQUIRED = "Choose a region for a region report."
TRIAL_REQUIRED = "Choose a trial for a trial report."
REQUIREMENT_SET_REQUIRED = "Choose a trial or a requirement profile to assess against."
BOTH_TRIAL_AND_PROFILE = "Choose either a trial or a requirement profile, not both."
BROKER_UNAVAILABLE = (
    "The report could not be queued because the job queue is unavailable. "
    "Nothing was started; please try again in a few minutes."
)
GAVE_UP = "The report was stopped after {attempts} attempts (the worker was lost or timed out)."
STALE = "The report stopped responding while it was being built; please request it again."

# A job may be started this many times in all (retries after transient errors, plus a
# redelivery after a lost worker) before it is marked failed instead of started again:
# a report that kills its worker every time must not loop forever.
MAX_ATTEMPTS = 5
# A job still 'running' this long after the broker would have redelivered it (visibility
# timeout, plus the transport's restore sweep and a whole build) has lost both its worker and
# its message: it is marked failed so nobody waits on it for ever.
STALE_MARGIN = dt.timedelta(minutes=15)


def stale_after() -> dt.timedelta:
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    return dt.timedelta(seconds=options.get("visibility_timeout", 3600)) + STALE_MARGIN


class ReportRequestError(ValueError):
    """Bad input for a report request; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class BrokerUnavailable(RuntimeError):
    """The job queue could not be reached: the job was marked failed, nothing runs."""

    def __init__(self, message: str = BROKER_UNAVAILABLE) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ReportScope:
    """What a report covers, after the access layer has checked every part of it."""

    kind: str
    site: Site | None = None
    region: Region | None = None
    trial: Trial | None = None
    profile: RequirementProfile | None = None


def _pk(value: object) -> object:
    return getattr(value, "pk", value)


def _profile_for(code_or_profile: object) -> RequirementProfile:
    if isinstance(code_or_profile, RequirementProfile):
        return code_or_profile
    try:
        return RequirementProfile.objects.get(code=str(code_or_profile))
    except RequirementProfile.DoesNotExist:
        raise Http404("No such requirement profile.") from None


def _region_for(user: User, code_or_region: object) -> Region:
    """Only regions the user covers in full: a region report lists every site in it."""
    regions = scoped_regions(user)
    try:
        if isinstance(code_or_region, Region):
            return regions.get(pk=code_or_region.pk)
        return regions.get(code__iexact=str(code_or_region))
    except Region.DoesNotExist:
        raise Http404("No such region.") from None


def report_scope(
    *,
    user: User,
    kind: str,
    site: object = None,
    region: object = None,
    trial: object = None,
    profile: object = None,
) -> ReportScope:
    """Check a requested scope against the access layer; Http404 for anything out of scope."""
    if kind not in Kind.values:
        raise ReportRequestError("kind", UNKNOWN_KIND)
    if not (user.is_authenticated and user.is_active):
        raise Http404("No such report scope.")
    has_trial, has_profile = trial not in (None, ""), profile not in (None, "")
    if has_trial and has_profile:
        raise ReportRequestError("profile", BOTH_TRIAL_AND_PROFILE)
    if kind == Kind.TRIAL:
        if not has_trial:
            raise ReportRequestError("trial", TRIAL_REQUIRED)
        return ReportScope(kind=kind, trial=trial_for(user, _pk(trial)))
    if not (has_trial or has_profile):
        raise ReportRequestError("trial", REQUIREMENT_SET_REQUIRED)
    scope: dict = {}
    if kind == Kind.SITE:
        if site in (None, ""):
            raise ReportRequestError("site", SITE_REQUIRED)
        scope["site"] = site_for(user, _pk(site))
    elif kind == Kind.REGION:
        if region in (None, ""):
            raise ReportRequestError("region", REGION_REQUIRED)
        scope["region"] = _region_for(user, region)
    elif not (user.is_network_coordinator or user.is_superuser):
        # National reports cover a network's whole scope: site members have none.
        raise Http404("No such report scope.")
    if has_trial:
        scope["trial"] = trial_for(user, _pk(trial))
    else:
        scope["profile"] = _profile_for(profile)
    return ReportScope(kind=kind, **scope)


def _dedup_key(user: User, scope: ReportScope, as_of: dt.date) -> str:
    parts = [
        user.pk, scope.kind, _pk(scope.site), _pk(scope.region), _pk(scope.trial),
        _pk(scope.profile), as_of.isoformat(),
    ]
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def report_request(
    *,
    user: User,
    kind: str,
    site: object = None,
    region: object = None,
    trial: object = None,
    profile: object = None,
    as_of: dt.date,
) -> ReadinessReport:
    """Create a report job and queue it once the transaction commits, or return the identical
    job already queued or running for this user.

    Raises ReportRequestError (bad input), Http404 (out of scope) or BrokerUnavailable.
    """
    scope = report_scope(user=user, kind=kind, site=site, region=region, trial=trial,
                         profile=profile)
    key = _dedup_key(user, scope, as_of)
    reports_fail_stale()
    with transaction.atomic():
        existing = _active_report(key)
        if existing is not None:
            return existing
        try:
            # A savepoint: a concurrent identical request that committed first trips the
            # partial unique constraint, and we hand back its job instead.
            with transaction.atomic():
                report = ReadinessReport.objects.create(
                    kind=scope.kind, site=scope.site, region=scope.region, trial=scope.trial,
                    profile=scope.profile, as_of=as_of, requested_by=user, dedup_key=key,
                )
        except IntegrityError:
            existing = _active_report(key)
            if existing is None:
                raise
            return existing
        # Queue only after commit: a worker must never look for a row it cannot see yet.
        transaction.on_commit(partial(_enqueue, report.pk))
    report.refresh_from_db()
    return report


def _active_report(key: str) -> ReadinessReport | None:
    return (
        ReadinessReport.objects.select_for_update()
        .filter(dedup_key=key, status__in=ReadinessReport.ACTIVE_STATUSES)
        .first()
    )


def _enqueue(report_id: int) -> None:
    from kombu.exceptions import OperationalError as KombuOperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    from reports.tasks import build_report

    try:
        result = build_report.apply_async(
            args=[report_id],
            # Fail fast: the user is waiting on this request; one quick retry is enough.
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5,
                          "interval_max": 0.5},
        )
    except (KombuOperationalError, RedisConnectionError, RedisTimeoutError, ConnectionError) as exc:
        logger.warning("Report %s not queued, broker unavailable: %s", report_id, exc)
        # Keep the row as a failed job with the reason (the requester sees why in "My
        # reports"); nothing is left queued that no worker will ever pick up.
        ReadinessReport.objects.filter(pk=report_id, status=Status.QUEUED).update(
            status=Status.FAILED, error=BROKER_UNAVAILABLE, finished_at=timezone.now(),
        )
        raise BrokerUnavailable() from exc
    if result is not None and result.id:
        ReadinessReport.objects.filter(pk=report_id, task_id="").update(task_id=result.id)


def reports_fail_stale(*, now: dt.datetime | None = None) -> int:
    """Mark failed the jobs whose worker and message were both lost (never stuck running)."""
    now = now or timezone.now()
    return ReadinessReport.objects.filter(
        status=Status.RUNNING, started_at__lt=now - stale_after()
    ).update(status=Status.FAILED, error=STALE, finished_at=now)


# --- building (called by the Celery task) -------------------------------------------------


def report_claim(*, report_id: int) -> ReadinessReport | None:
    """Move a job to running and count the attempt; None if there is nothing to do.

    A finished job is left alone (running the task twice does nothing). A job left
    'running' by a killed worker is started again: that is the redelivery at work.
    """
    with transaction.atomic():
        report = ReadinessReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status in (Status.SUCCEEDED, Status.FAILED):
            return None
        if report.attempts >= MAX_ATTEMPTS:
            _mark_failed(report, GAVE_UP.format(attempts=report.attempts))
            return None
        report.status = Status.RUNNING
        report.attempts += 1
        report.started_at = timezone.now()
        report.save(update_fields=["status", "attempts", "started_at"])
        return report


def report_finish(*, report_id: int, pdf: bytes, csv: bytes) -> bool:
    """Store the files and mark the job succeeded, unless another run got there first.

    The row lock makes the check and the write one step: when a slow worker and a
    redelivered copy both finish, only the first writes files.
    """
    with transaction.atomic():
        report = ReadinessReport.objects.select_for_update().get(pk=report_id)
        if report.status != Status.RUNNING:
            return False
        stem = f"readiness-report-{report.pk}"
        report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        report.csv.save(f"{stem}.csv", ContentFile(csv), save=False)
        report.status = Status.SUCCEEDED
        report.error = ""
        report.finished_at = timezone.now()
        report.save(update_fields=["pdf", "csv", "status", "error", "finished_at"])
        return True


def report_fail(*, report_id: int, reason: str) -> None:
    with transaction.atomic():
        report = ReadinessReport.objects.select_for_update().filter(pk=report_id).first()
        if report is not None and report.status in ReadinessReport.ACTIVE_STATUSES:
            _mark_failed(report, reason)


def report_requeue(*, report_id: int, reason: str) -> None:
    """Back to queued while a retry after a transient error waits its turn."""
    ReadinessReport.objects.filter(pk=report_id, status=Status.RUNNING).update(
        status=Status.QUEUED, error=reason
    )


def _mark_failed(report: ReadinessReport, reason: str) -> None:
    report.status = Status.FAILED
    report.error = reason[:2000]
    report.finished_at = timezone.now()
    report.save(update_fields=["status", "error", "finished_at"])


def report_sites(report: ReadinessReport) -> QuerySet[Site]:
    """The sites a report covers, as its requester may see them (checked again at build time:
    access withdrawn between request and build narrows the report)."""
    user = report.requested_by
    if report.kind == Kind.SITE:
        return visible_sites(user).filter(pk=report.site_id)
    if report.kind == Kind.TRIAL:
        return Site.objects.filter(
            pk__in=visible_trial_sites(user, report.trial).values("site")
        )
    if report.kind == Kind.REGION:
        return visible_sites(user).filter(region_id=report.region_id)
    return visible_sites(user)


# --- reading ------------------------------------------------------------------------------


def report_for(user: User, report_id: int | str) -> ReadinessReport:
    """The report if the user may see it: its requester while they may still see its scope,
    or anyone who may see the whole scope. Otherwise 404."""
    try:
        report = ReadinessReport.objects.select_related(
            "site__region", "region", "trial", "profile", "requested_by"
        ).get(pk=int(report_id))
    except (ReadinessReport.DoesNotExist, ValueError, TypeError):
        raise Http404("No such report.") from None
    if not (user.is_authenticated and user.is_active) or not _may_see(user, report):
        raise Http404("No such report.")
    return report


def _may_see(user: User, report: ReadinessReport) -> bool:
    national = user.network_scope == User.NetworkScope.NATIONAL or user.is_superuser
    if report.kind == Kind.SITE:
        return visible_sites(user).filter(pk=report.site_id).exists()
    if report.kind == Kind.REGION:
        return scoped_regions(user).filter(pk=report.region_id).exists()
    # Trial and national reports hold the sites their requester could see: only the
    # requester (still in scope) or a national coordinator, who sees every site, may read them.
    if national:
        return True
    if report.requested_by_id != user.pk:
        return False
    if report.kind == Kind.TRIAL:
        try:
            trial_for(user, report.trial_id)
        except Http404:
            return False
        return True
    return user.is_network_coordinator


def reports_of(user: User) -> QuerySet[ReadinessReport]:
    """'My reports': the jobs this user requested, newest first."""
    return ReadinessReport.objects.filter(requested_by=user).select_related(
        "site", "region", "trial", "profile"
    )


# --- the document: what the PDF and the CSV both show ---------------------------------------

CATEGORY_LABELS = {**dict(Capability.Category.choices), TRAINING: "Training"}
NO_REQUIREMENTS = "This {owner} has no requirements yet."
NO_SITES = "No sites in this report's scope are visible to its requester."


BAR_LEFT = 190  # px: category or region names sit left of the bars
BAR_SPACE = 300  # px given to the longest bar
BAR_STEP = 26


@dataclass(frozen=True)
class Bar:
    """One horizontal bar of an SVG chart: `first` (met / ready) then `second` (gaps / not)."""

    label: str
    first: int
    second: int
    y: int
    first_width: float
    second_x: float
    second_width: float
    text_x: float

    @property
    def text_y(self) -> int:
        return self.y + 16


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]

    @property
    def height(self) -> int:
        return len(self.bars) * BAR_STEP + 8


def _chart(counts: dict[str, list[int]]) -> Chart:
    largest = max((a + b for a, b in counts.values()), default=0) or 1
    bars = []
    for index, (label, (first, second)) in enumerate(counts.items()):
        first_width = round(BAR_SPACE * first / largest, 1)
        second_width = round(BAR_SPACE * second / largest, 1)
        bars.append(Bar(
            label=label, first=first, second=second, y=index * BAR_STEP + 4,
            first_width=first_width, second_x=BAR_LEFT + first_width,
            second_width=second_width, text_x=BAR_LEFT + first_width + second_width + 6,
        ))
    return Chart(bars)


@dataclass
class ReportDocument:
    report: ReadinessReport
    scope_label: str
    requirement_owner: str
    requirement_set: RequirementSet
    assessments: list[SiteAssessment]
    generated_at: dt.datetime
    category_chart: Chart = field(default_factory=lambda: Chart([]))
    region_chart: Chart | None = None

    @property
    def no_requirements_message(self) -> str:
        return NO_REQUIREMENTS.format(owner=self.requirement_owner)

    @property
    def no_sites_message(self) -> str:
        return NO_SITES

    @property
    def single(self) -> SiteAssessment | None:
        return self.assessments[0] if len(self.assessments) == 1 else None

    @property
    def totals(self) -> dict[str, int]:
        return {
            "sites": len(self.assessments),
            "ready": sum(1 for a in self.assessments if a.ready),
            "blockers": sum(a.blockers for a in self.assessments),
            "warnings": sum(a.warnings for a in self.assessments),
            "expiring": sum(a.expiring for a in self.assessments),
            "met": sum(a.met for a in self.assessments),
        }

    @property
    def with_gaps(self) -> list[SiteAssessment]:
        return [a for a in self.assessments if a.blockers or a.warnings]

    @property
    def with_expiring(self) -> list[SiteAssessment]:
        return [a for a in self.assessments if a.expiring]


def _category_counts(assessments: list[SiteAssessment]) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {}
    for assessment in assessments:
        for row in assessment.rows:
            label = CATEGORY_LABELS.get(row.requirement.category, row.requirement.category)
            pair = counts.setdefault(label, [0, 0])
            pair[0 if row.is_met else 1] += 1
    return counts


def _region_counts(assessments: list[SiteAssessment]) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {}
    for assessment in sorted(assessments, key=lambda a: a.site.region.name):
        pair = counts.setdefault(assessment.site.region.name, [0, 0])
        pair[0 if assessment.ready else 1] += 1
    return counts


def _scope_label(report: ReadinessReport) -> str:
    if report.kind == Kind.SITE:
        return f"Site: {report.site.name} ({report.site.ods_code})"
    if report.kind == Kind.TRIAL:
        return f"Trial: {report.trial.short_title}, its participating sites"
    if report.kind == Kind.REGION:
        return f"Region: {report.region.name}"
    return "National: every site in the requester's scope"


def report_document(report: ReadinessReport) -> ReportDocument:
    """Assess the report's sites against its requirement set: a constant number of queries."""
    if report.trial_id:
        requirement_set, owner = requirement_set_for_trial(report.trial), "trial"
    else:
        requirement_set, owner = requirement_set_for_profile(report.profile), "requirement profile"
    sites = report_sites(report).select_related("region").order_by("region__name", "name")
    assessments = rank(assess(sites=sites, requirements=requirement_set, on=report.as_of))
    document = ReportDocument(
        report=report, scope_label=_scope_label(report), requirement_owner=owner,
        requirement_set=requirement_set, assessments=assessments, generated_at=timezone.now(),
        category_chart=_chart(_category_counts(assessments)),
    )
    if report.kind in (Kind.REGION, Kind.NATIONAL, Kind.TRIAL):
        document.region_chart = _chart(_region_counts(assessments))
    return document


def report_build_files(report: ReadinessReport) -> tuple[bytes, bytes]:
    """The PDF and CSV of one report, from the same assessment."""
    from reports import csvexport, pdf

    document = report_document(report)
    return pdf.render_report(document), csvexport.report_csv(document)
