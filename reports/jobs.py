"""The report job lifecycle: request, claim, finish, fail, requeue.

The ReadinessReport row is the truth; the broker only carries a "build job N" message
(reports.broker). A request writes the row and sends the message after commit; the Celery
task (reports.tasks) claims the row, has the document built and rendered, and finishes or
fails it here. Nothing in this module imports the task, the document or the renderers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from reports import broker
from reports.access import ReportScope, pk_of, report_scope
from reports.models import ReadinessReport

Status = ReadinessReport.Status

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


def _dedup_key(user: User, scope: ReportScope, as_of: dt.date) -> str:
    parts = [
        user.pk, scope.kind, pk_of(scope.site), pk_of(scope.region), pk_of(scope.trial),
        pk_of(scope.profile), as_of.isoformat(),
    ]
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _active_report(key: str) -> ReadinessReport | None:
    return (
        ReadinessReport.objects.select_for_update()
        .filter(dedup_key=key, status__in=ReadinessReport.ACTIVE_STATUSES)
        .first()
    )


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
    """Create a report job and send it once the transaction commits, or return the identical
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
        # Send only after commit: a worker must never look for a row it cannot see yet.
        transaction.on_commit(partial(_send, report.pk))
    report.refresh_from_db()
    return report


def _send(report_id: int) -> None:
    try:
        task_id = broker.send_build(report_id)
    except broker.BrokerUnavailable:
        # Keep the row as a failed job with the reason (the requester sees why in "My
        # reports"); nothing is left queued that no worker will ever pick up.
        ReadinessReport.objects.filter(pk=report_id, status=Status.QUEUED).update(
            status=Status.FAILED, error=broker.BROKER_UNAVAILABLE, finished_at=timezone.now(),
        )
        raise
    if task_id:
        ReadinessReport.objects.filter(pk=report_id, task_id="").update(task_id=task_id)


def reports_fail_stale(*, now: dt.datetime | None = None) -> int:
    """Mark failed the jobs whose worker and message were both lost (never stuck running)."""
    now = now or timezone.now()
    return ReadinessReport.objects.filter(
        status=Status.RUNNING, started_at__lt=now - stale_after()
    ).update(status=Status.FAILED, error=STALE, finished_at=now)


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
