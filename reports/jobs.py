"""The report job lifecycle: request, claim, heartbeat, finish, fail, requeue, sweep.

The ReadinessReport row is the truth; the broker only carries a "build job N" message
(reports.broker). A request writes the row and sends the message after commit; the Celery
task (reports.tasks) claims the row, has the document built and rendered, and finishes or
fails it here. Nothing in this module imports the task, the document or the renderers.

A transactional outbox: the row is written (and later revived) inside the transaction, the
message is sent after commit, and `reports_sweep` resends whatever the broker lost. A worker
holds a running job by a lease that its heartbeat renews; when the lease runs out the job is
claimed again, at most ReadinessReport.MAX_ATTEMPTS times in all (docs/reliability.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from reports import broker
from reports.access import ReportScope, pk_of, report_scope
from reports.models import ReadinessReport

logger = logging.getLogger(__name__)
Status = ReadinessReport.Status

MAX_ATTEMPTS = ReadinessReport.MAX_ATTEMPTS
GAVE_UP = (
    "The report was stopped after {attempts} attempts: its worker was lost each time. "
    "Please request it again, or ask support if it keeps failing."
)
# Why a job went back to the queue (kept in `error` until it succeeds; shown to support).
LOST_WORKER = "Its worker stopped responding; building it again."


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REPORT_LEASE_SECONDS)


def _resend_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REPORT_RESEND_AFTER_SECONDS)


def _dedup_key(user: User, scope: ReportScope, as_of: dt.date) -> str:
    parts = [
        user.pk,
        scope.kind,
        pk_of(scope.site),
        pk_of(scope.region),
        pk_of(scope.trial),
        pk_of(scope.profile),
        as_of.isoformat(),
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
    scope = report_scope(
        user=user, kind=kind, site=site, region=region, trial=trial, profile=profile
    )
    key = _dedup_key(user, scope, as_of)
    with transaction.atomic():
        existing = _active_report(key)
        if existing is not None and _revive(existing, timezone.now()):
            # The identical job can still finish (its message was resent if it was stale).
            return existing
        try:
            # A savepoint: a concurrent identical request that committed first trips the
            # partial unique constraint, and we hand back its job instead.
            with transaction.atomic():
                report = ReadinessReport.objects.create(
                    kind=scope.kind,
                    site=scope.site,
                    region=scope.region,
                    trial=scope.trial,
                    profile=scope.profile,
                    as_of=as_of,
                    requested_by=user,
                    dedup_key=key,
                    sent_at=timezone.now(),
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
            status=Status.FAILED,
            error=broker.BROKER_UNAVAILABLE,
            finished_at=timezone.now(),
        )
        raise
    if task_id:
        ReadinessReport.objects.filter(pk=report_id, task_id="").update(task_id=task_id)


def _revive(report: ReadinessReport, now: dt.datetime) -> bool:
    """Keep a locked active job able to finish; False if it was failed instead.

    Queued past the bound: its message may be lost (Redis restarted without persistence), so
    it is sent again after commit. Running with its lease run out: its worker is gone, so it
    goes back to the queue and is sent again, or fails once its attempts are spent. Sending a
    job twice is harmless: only one claim can hold its lease.
    """
    if report.status == Status.RUNNING:
        if report.lease_expires_at and report.lease_expires_at > now:
            return True
        if report.attempts >= MAX_ATTEMPTS:
            _mark_failed(report, GAVE_UP.format(attempts=report.attempts))
            return False
        report.status, report.error = Status.QUEUED, LOST_WORKER
    elif report.sent_at and report.sent_at > now - _resend_after():
        return True
    report.sent_at, report.lease_expires_at = now, None
    report.save(update_fields=["status", "error", "sent_at", "lease_expires_at"])
    transaction.on_commit(partial(_resend, report.pk))
    return True


def _resend(report_id: int) -> None:
    """The outbox's second chance: a broker still down leaves the job queued for the next
    sweep (it is the row, not the message, that must not be lost)."""
    try:
        broker.send_build(report_id)
    except broker.BrokerUnavailable:
        logger.warning("Report %s stays queued: the broker is still unavailable", report_id)


def reports_sweep(*, now: dt.datetime | None = None) -> int:
    """The outbox sweep (Celery beat, every REPORT_SWEEP_SECONDS): resend jobs queued past
    the bound, reclaim running jobs whose lease ran out. Returns how many it touched.

    Rows are locked with SKIP LOCKED, so two sweeps (two beats, or a request reviving the
    same job) never handle one job twice.
    """
    now = now or timezone.now()
    stale = (
        Q(status=Status.QUEUED) & (Q(sent_at__lt=now - _resend_after()) | Q(sent_at__isnull=True))
    ) | (
        Q(status=Status.RUNNING) & (Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True))
    )
    with transaction.atomic():
        reports = list(
            ReadinessReport.objects.select_for_update(skip_locked=True).filter(stale)[:500]
        )
        for report in reports:
            _revive(report, now)
    return len(reports)


def report_claim(*, report_id: int) -> ReadinessReport | None:
    """Take the job's lease, move it to running and count the attempt; None if there is
    nothing to do.

    A finished job is left alone (running the task twice does nothing), and so is a job
    another worker holds (a duplicate message). A job whose lease ran out lost its worker
    and is started again, until its attempts are spent.
    """
    now = timezone.now()
    with transaction.atomic():
        report = ReadinessReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None or not report.is_active:
            return None
        if (
            report.status == Status.RUNNING
            and report.lease_expires_at
            and (report.lease_expires_at > now)
        ):
            return None
        if report.attempts >= MAX_ATTEMPTS:
            _mark_failed(report, GAVE_UP.format(attempts=report.attempts))
            return None
        report.status = Status.RUNNING
        report.attempts += 1
        report.started_at = now
        report.lease_expires_at = now + _lease()
        report.save(update_fields=["status", "attempts", "started_at", "lease_expires_at"])
        return report


def report_heartbeat(*, report_id: int, attempt: int) -> bool:
    """Renew the lease of the attempt that holds the job; False if it no longer does."""
    return bool(
        ReadinessReport.objects.filter(
            pk=report_id, status=Status.RUNNING, attempts=attempt
        ).update(lease_expires_at=timezone.now() + _lease())
    )


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
        report.lease_expires_at = None
        report.save(
            update_fields=["pdf", "csv", "status", "error", "finished_at", "lease_expires_at"]
        )
        return True


def report_fail(*, report_id: int, reason: str) -> None:
    with transaction.atomic():
        report = ReadinessReport.objects.select_for_update().filter(pk=report_id).first()
        if report is not None and report.status in ReadinessReport.ACTIVE_STATUSES:
            _mark_failed(report, reason)


def report_requeue(*, report_id: int, reason: str, delay: float = 0) -> None:
    """Back to queued while a retry after a transient error waits its turn (`delay` seconds:
    the sweep leaves it alone until then)."""
    ReadinessReport.objects.filter(pk=report_id, status=Status.RUNNING).update(
        status=Status.QUEUED,
        error=reason,
        lease_expires_at=None,
        sent_at=timezone.now() + dt.timedelta(seconds=delay),
    )


def _mark_failed(report: ReadinessReport, reason: str) -> None:
    report.status = Status.FAILED
    report.error = reason[:2000]
    report.finished_at = timezone.now()
    report.lease_expires_at = None
    report.save(update_fields=["status", "error", "finished_at", "lease_expires_at"])
