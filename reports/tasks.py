"""Celery task that builds a readiness report: the one place the pipeline's parts meet.

claim (reports.jobs) -> document (reports.document) -> PDF and CSV (reports.pdf,
reports.csvexport) -> finish or fail (reports.jobs). Nothing imports this module back: jobs
send the task by name (reports.broker).

Delivery: `acks_late` + `reject_on_worker_lost`, so a worker killed mid-build leaves its
message unacknowledged and the broker hands it to another worker (Redis does so once the
visibility timeout passes, CELERY_VISIBILITY_TIMEOUT). The job itself is idempotent: a
finished job does nothing, a job left 'running' is rebuilt, and only the first run to
finish writes files (reports.jobs.report_finish).
"""

from __future__ import annotations

import logging
import os
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError

from reports import csvexport, document, jobs, pdf

logger = logging.getLogger(__name__)

# Errors worth another try: the database or the file system hiccupped.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)
MAX_RETRIES = 3
SOFT_TIME_LIMIT = 300
TIME_LIMIT = 360

TIMED_OUT = f"The report took longer than {SOFT_TIME_LIMIT} seconds to build and was stopped."
TRANSIENT_GAVE_UP = "The report could not be built after {tries} tries: {error}"
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


def build_files(report) -> tuple[bytes, bytes]:
    """The PDF and CSV of one report, from the same document."""
    built = document.report_document(report)
    return pdf.render_report(built), csvexport.report_csv(built)


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
    try:
        report = jobs.report_claim(report_id=report_id)
        if report is None:
            return "nothing to do"
        _test_delay()
        pdf_file, csv_file = build_files(report)
        finished = jobs.report_finish(report_id=report_id, pdf=pdf_file, csv=csv_file)
        return "succeeded" if finished else "already finished"
    except SoftTimeLimitExceeded:
        jobs.report_fail(report_id=report_id, reason=TIMED_OUT)
        return "failed"
    except TRANSIENT_ERRORS as exc:
        error = f"{type(exc).__name__}: {exc}"
        if self.request.retries < self.max_retries:
            logger.warning("Report %s: transient error, retrying: %s", report_id, error)
            _record(jobs.report_requeue, report_id, RETRYING.format(error=error))
            raise self.retry(exc=exc, countdown=_retry_countdown(self.request.retries)) from exc
        logger.exception("Report %s failed after retries", report_id)
        _record(
            jobs.report_fail, report_id,
            TRANSIENT_GAVE_UP.format(tries=self.request.retries + 1, error=error),
        )
        return "failed"
    except Exception as exc:
        logger.exception("Report %s failed", report_id)
        jobs.report_fail(
            report_id=report_id, reason=BUILD_FAILED.format(error=f"{type(exc).__name__}: {exc}")
        )
        return "failed"
