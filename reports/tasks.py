"""Celery tasks: build a readiness report, and sweep the job outbox.

build_report is the one place the pipeline's parts meet: claim (reports.jobs) -> document
(reports.document) -> PDF and CSV (reports.pdf, reports.csvexport) -> finish or fail
(reports.jobs). Nothing imports this module back: jobs send the task by name
(reports.broker).

Delivery: the ReadinessReport row is the truth. While a worker builds, a heartbeat thread
renews the job's lease; a worker killed mid-build stops renewing it, and sweep_reports (beat,
every REPORT_SWEEP_SECONDS) sends the job again once the lease has run out, so another
worker resumes it within about a lease and a sweep (docs/reliability.md). `acks_late` +
`reject_on_worker_lost` keep the message too; a late duplicate finds the job finished or held
and does nothing. Only the first run to finish writes files (reports.jobs.report_finish).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import contextmanager
from functools import partial

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from reports import csvexport, document, jobs, pdf

logger = logging.getLogger(__name__)

# Errors worth another try: the database or the file system hiccupped.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)
# Every start counts against ReadinessReport.MAX_ATTEMPTS (retries and lost workers alike);
# Celery's own retry count is only a backstop.
MAX_RETRIES = jobs.MAX_ATTEMPTS
SOFT_TIME_LIMIT = 300
TIME_LIMIT = 360

TIMED_OUT = f"The report took longer than {SOFT_TIME_LIMIT} seconds to build and was stopped."
TRANSIENT_GAVE_UP = "The report could not be built after {tries} attempts: {error}"
RETRYING = "Retrying after a temporary error: {error}"
BUILD_FAILED = "The report could not be built: {error}"

# Integration tests slow a build down so that they can kill the worker in the middle of it.
# Read only under the test settings, so no production setting can switch it on.
TEST_DELAY_ENV = "ATMP_TEST_REPORT_BUILD_DELAY"


def _retry_countdown(retries: int) -> int:
    """Exponential backoff: 2, 4, 8 seconds."""
    return 2 ** (retries + 1)


def _test_delay() -> None:
    if settings.SETTINGS_MODULE == "atmp_portal.settings_test":
        seconds = float(os.environ.get(TEST_DELAY_ENV, "0") or 0)
        if seconds > 0:
            time.sleep(seconds)


def _record(update, report_id: int, reason: str) -> None:
    """Write a status change, tolerating the database being the thing that failed: the
    retry (or, failing all, the stale-job sweep) still ends the job."""
    try:
        update(report_id=report_id, reason=reason)
    except (OperationalError, InterfaceError):
        logger.exception("Report %s: could not record %r", report_id, reason)


@contextmanager
def _heartbeat(report_id: int, attempt: int, eager: bool):
    """Renew the job's lease every third of REPORT_LEASE_SECONDS while the build runs.

    A thread, because the build itself (WeasyPrint) cannot stop to do it. It has its own
    database connection, closed when it ends. Eager runs (tests) need no lease renewal."""
    if eager:
        yield
        return
    stop = threading.Event()
    interval = max(settings.REPORT_LEASE_SECONDS / 3, 0.2)

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    if not jobs.report_heartbeat(report_id=report_id, attempt=attempt):
                        return
                except (OperationalError, InterfaceError) as exc:
                    logger.warning("Report %s: heartbeat failed: %s", report_id, exc)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"report-{report_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


def build_files(report) -> tuple[bytes, bytes]:
    """The PDF and CSV of one report, from the same document."""
    built = document.report_document(report)
    if not built.many or not built.requirement_set.requirements:
        return pdf.render_report(built), csvexport.report_csv(built)
    return _build_in_parts(built)


def _build_in_parts(built: document.ReportDocument) -> tuple[bytes, bytes]:
    """A report of many sites: assessed PART_SITES sites at a time, rendered in parts (in
    child processes when there is more than one chunk of sites), joined (reports.pdf)."""
    table = csvexport.ReportCsv(built)
    several = len(built.assessments) > document.PART_SITES
    with pdf.PartRenderer(pdf.RENDER_PROCESSES if several else 1) as parts:
        for offset, sites in built.ranking_parts():
            parts.submit((1, offset), pdf.part_html(built, "ranking", offset=offset, sites=sites))
        for index, chunk in enumerate(built.detail_chunks()):
            table.add(chunk)
            parts.submit((2, index), pdf.part_html(built, "gaps", chunk=chunk, first=index == 0))
        # After the chunks: the category chart and the expiring list need all of them.
        parts.submit((0,), pdf.part_html(built, "front"))
        for index, lines in enumerate(built.expiring_parts() or [[]]):
            parts.submit((3, index), pdf.part_html(built, "expiring", lines=lines,
                                                   first=index == 0))
        parts.submit((4,), pdf.part_html(built, "appendix"))
        return parts.join(), table.value()


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def build_report(self, report_id: int) -> str:
    """Build one report's PDF and CSV; always ends in succeeded or failed (or a retry)."""
    report = None
    try:
        report = jobs.report_claim(report_id=report_id)
        if report is None:
            return "nothing to do"
        with _heartbeat(report_id, report.attempts, eager=bool(self.request.is_eager)):
            _test_delay()
            pdf_file, csv_file = build_files(report)
        finished = jobs.report_finish(report_id=report_id, pdf=pdf_file, csv=csv_file)
        return "succeeded" if finished else "already finished"
    except SoftTimeLimitExceeded:
        jobs.report_fail(report_id=report_id, reason=TIMED_OUT)
        return "failed"
    except TRANSIENT_ERRORS as exc:
        return _transient(self, report_id, report, exc)
    except Exception as exc:
        logger.exception("Report %s failed", report_id)
        jobs.report_fail(
            report_id=report_id, reason=BUILD_FAILED.format(error=f"{type(exc).__name__}: {exc}")
        )
        return "failed"


def _transient(task, report_id: int, report, exc: BaseException) -> str:
    """Retry with backoff while attempts remain; then fail with the last error."""
    error = f"{type(exc).__name__}: {exc}"
    attempts = report.attempts if report is not None else task.request.retries + 1
    if attempts < jobs.MAX_ATTEMPTS and task.request.retries < task.max_retries:
        countdown = _retry_countdown(task.request.retries)
        logger.warning("Report %s: transient error, retrying in %s s: %s", report_id,
                       countdown, error)
        _record(partial(jobs.report_requeue, delay=countdown), report_id,
                RETRYING.format(error=error))
        raise task.retry(exc=exc, countdown=countdown) from exc
    logger.error("Report %s failed after %s attempts: %s", report_id, attempts, error)
    _record(jobs.report_fail, report_id, TRANSIENT_GAVE_UP.format(tries=attempts, error=error))
    return "failed"


@shared_task(ignore_result=True)
def sweep_reports() -> int:
    """The job outbox sweep: resend lost messages, reclaim jobs whose worker died."""
    return jobs.reports_sweep()


@shared_task(name="reports.tasks.fill_trend_points", ignore_result=True)
def fill_trend_points() -> int:
    """Beat, nightly: store the trend's past month ends for every trial and profile in every
    scope the overview is asked for (reports.trend.fill_stored_points)."""
    from django.utils import timezone

    from reports.trend import fill_stored_points

    stored = fill_stored_points(timezone.localdate())
    logger.info("Trend: %s month-end points stored", stored)
    return stored
