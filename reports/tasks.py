"""Celery tasks: build a readiness report, and sweep the job outbox.

build_report is the one place the pipeline's parts meet: claim (reports.jobs) -> document
(reports.document) -> PDF and CSV (reports.pdf, reports.csvexport) -> finish or fail
(reports.jobs). Nothing imports this module back: jobs send the task by name
(reports.broker). A report of many sites is rendered in parts, which free worker processes
help with (render_part; see "a report of many sites" below).

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
import shutil
import threading
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from reports import broker, csvexport, document, jobs, pdf

logger = logging.getLogger(__name__)

# Errors worth another try: the database or the file system hiccupped.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)
# Every start counts against ReadinessReport.MAX_ATTEMPTS (retries and lost workers alike);
# Celery's own retry count is only a backstop.
MAX_RETRIES = jobs.MAX_ATTEMPTS
# The whole report's limit: a guard against a build that never ends, not a deadline on a busy
# machine. A 10x national report is about a minute of one core's work, several minutes on a
# loaded machine; rendering is bounded per part (pdf.PART_TIME_LIMIT). Below
# CELERY_VISIBILITY_TIMEOUT (900 s), so Redis never hands a running build to a second worker.
SOFT_TIME_LIMIT = 840
TIME_LIMIT = 870

TIMED_OUT = f"The report took longer than {SOFT_TIME_LIMIT} seconds to build and was stopped."
TRANSIENT_GAVE_UP = "The report could not be built after {tries} attempts: {error}"
RETRYING = "Retrying after a temporary error: {error}"
BUILD_FAILED = "The report could not be built: {error}"

# Integration tests slow a build (or a helper's part, holding its claim) down so that they can
# kill the worker in the middle of it. Read only under the test settings, so no production
# setting can switch it on.
TEST_DELAY_ENV = "ATMP_TEST_REPORT_BUILD_DELAY"
TEST_HELPER_DELAY_ENV = "ATMP_TEST_HELPER_PART_DELAY"


def _retry_countdown(retries: int) -> int:
    """Exponential backoff: 2, 4, 8 seconds."""
    return 2 ** (retries + 1)


def _test_delay(variable: str = TEST_DELAY_ENV) -> None:
    if settings.SETTINGS_MODULE == "atmp_portal.settings_test":
        seconds = float(os.environ.get(variable, "0") or 0)
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


def build_files(report, *, helpers: str | None = None) -> tuple[bytes, bytes]:
    """The PDF and CSV of one report, from the same document. `helpers`: a queue on which to
    offer the parts of a report of many sites to other worker processes (render_part)."""
    built = document.report_document(report)
    if not built.many or not built.requirement_set.requirements:
        return pdf.render_report(built), csvexport.report_csv(built)
    with ReportParts(report, helpers=helpers) as parts:
        table = csvexport.ReportCsv(built)
        for offset, sites in built.ranking_parts():
            parts.add((1, offset), pdf.part_html(built, "ranking", offset=offset, sites=sites))
        for index, chunk in enumerate(built.detail_chunks()):
            table.add(chunk)
            parts.add((2, index), pdf.part_html(built, "gaps", chunk=chunk, first=index == 0))
        # After the chunks: the category chart and the expiring list need all of them.
        parts.add((0,), pdf.part_html(built, "front"))
        for index, lines in enumerate(built.expiring_parts() or [[]]):
            parts.add((3, index), pdf.part_html(built, "expiring", lines=lines, first=index == 0))
        parts.add((4,), pdf.part_html(built, "appendix"))
        return parts.render_and_join(), table.value()


# --- a report of many sites: its parts, rendered by whichever worker process is free ---------
#
# The task that builds the report (the owner) writes each part's HTML to the shared media
# folder as soon as it has it and sends a render_part message for it; any worker process that is
# free takes one and renders that part while the owner assesses the next chunk of sites. Once
# every part is written, the owner renders whatever part no one has taken, waits for the parts
# others are rendering, and joins them. A part is claimed with a PostgreSQL session advisory
# lock: never rendered twice at once, and freed by PostgreSQL the moment its holder's
# connection closes, so a part whose renderer was killed is rendered by the owner.
#
# So the number of renders at once is at most the number of worker processes (each renders one
# part at a time, in its own render process), whatever the number of reports; more workers
# render one report's parts sooner. The owner never waits on a queue: a part nobody took is its
# own to render, so a busy or single-process pool (make run) still finishes every report, and
# the report's lease is held by the owner's heartbeat throughout, as for any report.

PARTS_FOLDER = "report-parts"
OWNER_POLL_SECONDS = 0.1
# Integration tests record each part render ("pid start end role") to count renders at once.
TEST_RENDER_LOG_ENV = "ATMP_TEST_RENDER_LOG"


def _parts_root() -> Path:
    return Path(settings.MEDIA_ROOT) / PARTS_FOLDER


def _part_files(report_id: int, attempt: int, index: int) -> tuple[Path, Path]:
    folder = _parts_root() / f"{report_id}-{attempt}"
    return folder / f"{index}.html", folder / f"{index}.pdf"


@contextmanager
def _part_claim(report_id: int, attempt: int, index: int):
    """Yield whether this process may render the part: a session advisory lock on PostgreSQL
    (held until released, or until this process's connection ends). Without PostgreSQL (make
    run's SQLite) every claim is granted: a part rendered twice is written whole either way."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = (report_id << 22) | (attempt << 18) | index
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        claimed = cursor.fetchone()[0]
    try:
        yield claimed
    finally:
        if claimed:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _render_part(report_id: int, attempt: int, index: int, role: str) -> bool:
    """Render the part unless it is rendered already: True once it is rendered (by anyone),
    False while another process holds it."""
    source, target = _part_files(report_id, attempt, index)
    if target.exists():
        return True
    with _part_claim(report_id, attempt, index) as claimed:
        if not claimed:
            return False
        if not target.exists():
            if role == "helper":
                _test_delay(TEST_HELPER_DELAY_ENV)
            started = time.time()
            pdf.renderer().render(source, target)
            _log_render(started, role)
        return True


def _log_render(started: float, role: str) -> None:
    if settings.SETTINGS_MODULE == "atmp_portal.settings_test":
        path = os.environ.get(TEST_RENDER_LOG_ENV)
        if path:
            with open(path, "a") as log:
                log.write(f"{os.getpid()} {started} {time.time()} {role}\n")


class ReportParts:
    """The parts of one attempt at one report, in a folder of the shared media storage."""

    def __init__(self, report, *, helpers: str | None) -> None:
        self.report_id, self.attempt, self.helpers = report.pk, report.attempts, helpers
        self.keys: list[tuple] = []  # part index -> its place in the joined PDF
        self.folder = _part_files(self.report_id, self.attempt, 0)[0].parent
        # An earlier attempt's folder was left by a worker that died: nothing will read it.
        for earlier in _parts_root().glob(f"{self.report_id}-*"):
            shutil.rmtree(earlier, ignore_errors=True)
        self.folder.mkdir(parents=True)

    def __enter__(self) -> ReportParts:
        return self

    def __exit__(self, *exc_info) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def add(self, key: tuple, html: str) -> None:
        index = len(self.keys)
        self.keys.append(key)
        source, _ = _part_files(self.report_id, self.attempt, index)
        partial = source.with_name(source.name + ".partial")
        partial.write_text(html, encoding="utf-8")
        partial.replace(source)
        if self.helpers:
            try:
                render_part.apply_async(
                    args=[self.report_id, self.attempt, index], queue=self.helpers, retry=False
                )
            except broker.BROKER_ERRORS as exc:  # no one else will help: the owner renders all
                logger.warning(
                    "Report %s: parts not offered, broker unavailable: %s", self.report_id, exc
                )
                self.helpers = None

    def render_and_join(self) -> bytes:
        """Render every part no one else has (the last first: helpers take the first ones),
        wait for those others hold, then join them all in order."""
        remaining = list(reversed(range(len(self.keys))))
        while remaining:
            remaining = [
                i for i in remaining if not _render_part(self.report_id, self.attempt, i, "owner")
            ]
            if remaining:
                time.sleep(OWNER_POLL_SECONDS)
        order = sorted(range(len(self.keys)), key=self.keys.__getitem__)
        target = self.folder / "report.pdf"
        pdf.join_files([_part_files(self.report_id, self.attempt, i)[1] for i in order], target)
        return target.read_bytes()


@shared_task(
    ignore_result=True,
    acks_late=False,
    soft_time_limit=pdf.PART_TIME_LIMIT + 30,
    time_limit=pdf.PART_TIME_LIMIT + 60,
)
def render_part(report_id: int, attempt: int, index: int) -> str:
    """Render one part of a report another task is building, if it still needs it. Acked on
    receipt: a lost or failed one costs nothing, the report's own task renders that part."""
    source, target = _part_files(report_id, attempt, index)
    if target.exists() or not source.exists():
        return "nothing to do"  # rendered already, or that attempt at the report has ended
    try:
        return "rendered" if _render_part(report_id, attempt, index, "helper") else "taken"
    except Exception as exc:  # the owner renders it again and fails the report with the reason
        logger.warning("Report %s part %s: %s", report_id, index, exc)
        return "failed"


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
            pdf_file, csv_file = build_files(report, helpers=_queue(self))
        finished = jobs.report_finish(report_id=report_id, pdf=pdf_file, csv=csv_file)
        return "succeeded" if finished else "already finished"
    except SoftTimeLimitExceeded:
        jobs.report_fail(report_id=report_id, reason=TIMED_OUT)
        return "failed"
    except pdf.PartTimedOut as exc:
        jobs.report_fail(report_id=report_id, reason=str(exc))
        return "failed"
    except TRANSIENT_ERRORS as exc:
        return _transient(self, report_id, report, exc)
    except Exception as exc:
        logger.exception("Report %s failed", report_id)
        jobs.report_fail(
            report_id=report_id, reason=BUILD_FAILED.format(error=f"{type(exc).__name__}: {exc}")
        )
        return "failed"


def _queue(task) -> str | None:
    """The queue this build came from, where its parts are offered to the workers that serve
    it; None when it runs in-process (eager: tests, the bench), where no worker would help."""
    if task.request.is_eager:
        return None
    return (task.request.delivery_info or {}).get("routing_key") or task.app.conf.task_default_queue


def _transient(task, report_id: int, report, exc: BaseException) -> str:
    """Retry with backoff while attempts remain; then fail with the last error."""
    error = f"{type(exc).__name__}: {exc}"
    attempts = report.attempts if report is not None else task.request.retries + 1
    if attempts < jobs.MAX_ATTEMPTS and task.request.retries < task.max_retries:
        countdown = _retry_countdown(task.request.retries)
        logger.warning(
            "Report %s: transient error, retrying in %s s: %s", report_id, countdown, error
        )
        _record(
            partial(jobs.report_requeue, delay=countdown), report_id, RETRYING.format(error=error)
        )
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
