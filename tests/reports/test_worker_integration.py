"""A real Celery worker on the real Redis builds reports from the test database.

Each test gets its own queue, so workers of other test runs sharing the Redis server never
take our tasks. Workers run as subprocesses on the pytest-django test database (the data
must be committed: transactional tests) and are always killed in teardown.

Redelivery after SIGKILL: the worker holds the job by a lease its heartbeat renews
(REPORT_LEASE_SECONDS, 2 s here); once the lease has run out the outbox sweep sends the job
again and the next worker builds it. tests/chaos/ does the same with beat, a private Redis and
many kills.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from pypdf import PdfReader

from reports import document as report_document_module
from reports import jobs, tasks
from reports.models import ReadinessReport
from sites.models import Site
from tests.reports.test_jobs import TODAY, build_scenario
from tests.sites.factories import SiteFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
Status = ReadinessReport.Status
LEASE = 2


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Workers:
    def __init__(self, queue: str, media: Path, logs: Path) -> None:
        self.queue, self.media, self.logs = queue, media, logs
        self.processes: list[subprocess.Popen] = []

    def start(self, concurrency: int = 0, **extra_env: str) -> subprocess.Popen:
        """A worker: the solo pool, or prefork with `concurrency` processes."""
        if not os.environ.get("REDIS_URL"):
            pytest.skip("needs REDIS_URL (a real Redis) for a real worker")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "atmp_portal.settings_test",
            "DATABASE_URL": _database_url(),
            "TEST_MEDIA_ROOT": str(self.media),
            **extra_env,
        }
        number = len(self.processes) + 1
        log = open(self.logs / f"worker-{number}.log", "wb")  # noqa: SIM115 (closed by the OS)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "atmp_portal",
                "worker",
                *(
                    ["--pool=prefork", f"--concurrency={concurrency}"]
                    if concurrency
                    else ["--pool=solo", "--concurrency=1"]
                ),
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}-{number}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs.glob("*.log"))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@pytest.fixture
def workers(personas, settings, tmp_path, monkeypatch) -> Iterator[Workers]:
    queue = f"reports-test-{uuid.uuid4().hex[:10]}"
    # Publish to this test's own queue (the task's options are cached once read).
    for task in (tasks.build_report, tasks.render_part):
        monkeypatch.setattr(task, "queue", queue, raising=False)
        monkeypatch.setattr(task, "_exec_options", None, raising=False)
    media = tmp_path / "media"
    media.mkdir()
    logs = tmp_path / "logs"
    logs.mkdir()
    settings.MEDIA_ROOT = str(media)
    pool = Workers(queue, media, logs)
    try:
        yield pool
    finally:
        pool.stop_all()


def wait_for(report: ReadinessReport, statuses: set[str], workers: Workers, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in statuses:
            return report
        time.sleep(0.2)
    pytest.fail(f"report {report.pk} still {report.status} after {timeout} s\n{workers.log()}")


def test_a_real_worker_builds_the_pdf_and_csv(personas, workers):
    scenario = build_scenario(personas)
    workers.start()
    report = jobs.report_request(
        user=personas.coordinator_a,
        kind="site",
        site=personas.site_a.pk,
        trial=scenario.trial.pk,
        as_of=TODAY,
    )
    assert report.task_id
    report = wait_for(report, {Status.SUCCEEDED, Status.FAILED}, workers, timeout=60)
    assert report.status == Status.SUCCEEDED, report.error
    assert report.attempts == 1

    text = " ".join(
        page.extract_text() for page in PdfReader(Path(report.pdf.path).open("rb")).pages
    )
    text = " ".join(text.split())
    for name in scenario.missing:
        assert name in text
    assert "1 of 2 Cell therapy laboratory scientists trained" in text

    document = report_document_module.report_document(report)
    rows = list(csv.DictReader(io.StringIO(Path(report.csv.path).read_text(encoding="utf-8-sig"))))
    assert [(r["requirement_key"], r["outcome"]) for r in rows] == [
        (g.requirement.key, g.outcome) for g in document.single.rows
    ]
    assert {r["label"] for r in rows if r["outcome"] == "blocker"} >= set(scenario.missing)


def test_a_report_whose_worker_is_killed_is_finished_once_by_another(personas, workers):
    scenario = build_scenario(personas)
    first = workers.start(REPORT_LEASE_SECONDS=str(LEASE), ATMP_TEST_REPORT_BUILD_DELAY="60")
    report = jobs.report_request(
        user=personas.network,
        kind="site",
        site=personas.site_a.pk,
        trial=scenario.trial.pk,
        as_of=TODAY,
    )
    report = wait_for(report, {Status.RUNNING}, workers, timeout=60)
    assert report.attempts == 1
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    workers.start(REPORT_LEASE_SECONDS=str(LEASE))
    deadline = time.monotonic() + LEASE + 10
    while jobs.reports_sweep() == 0 and time.monotonic() < deadline:
        time.sleep(0.5)  # what beat does every REPORT_SWEEP_SECONDS
    report = wait_for(report, {Status.SUCCEEDED, Status.FAILED}, workers, timeout=90)
    assert report.status == Status.SUCCEEDED, report.error
    assert report.attempts == 2  # the killed run and the resumed one, nothing more
    assert [p.name for p in workers.media.rglob("*.pdf")] == [Path(report.pdf.name).name]
    assert len(list(workers.media.rglob("*.csv"))) == 1


def test_a_real_worker_builds_a_report_of_many_sites_in_parts(personas, workers):
    """More than PART_SITES sites: chunks assessed by the task, parts rendered by the worker's
    own child processes and joined. (The solo pool runs the task in the worker process; a
    prefork pool's child starts them the same way, with subprocess, not multiprocessing.)"""
    scenario = build_scenario(personas)
    SiteFactory.create_batch(report_document_module.PART_SITES, region=personas.north)
    sites = Site.objects.count()
    workers.start()
    report = jobs.report_request(
        user=personas.national, kind="national", profile=scenario.profile.code, as_of=TODAY
    )
    report = wait_for(report, {Status.SUCCEEDED, Status.FAILED}, workers, timeout=120)
    assert report.status == Status.SUCCEEDED, report.error
    pages = PdfReader(Path(report.pdf.path).open("rb")).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert f"0 of {sites} sites ready" in text and f"{sites}. " in text
    assert f"Page {len(pages)} of {len(pages)}" in text
    assert text.count("Blocker: Liquid nitrogen vapour storage") == sites
    rows = Path(report.csv.path).read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + sites  # one requirement per site, and the header


def _most_at_once(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


def test_reports_built_at_once_share_the_pool_s_renders(personas, workers, tmp_path):
    """Two reports of many sites at once on a pool of two worker processes: both succeed, and
    never more than two parts render at once (before, each report started render processes of
    its own: up to four per report)."""
    scenario = build_scenario(personas)
    SiteFactory.create_batch(report_document_module.PART_SITES, region=personas.north)
    sites = Site.objects.count()
    renders = tmp_path / "renders.log"
    workers.start(concurrency=2, **{tasks.TEST_RENDER_LOG_ENV: str(renders)})
    reports = [
        jobs.report_request(
            user=personas.national,
            kind="national",
            profile=scenario.profile.code,
            as_of=TODAY - dt.timedelta(days=day),
        )
        for day in range(2)
    ]
    for report in reports:
        report = wait_for(report, {Status.SUCCEEDED, Status.FAILED}, workers, timeout=180)
        assert report.status == Status.SUCCEEDED, report.error
        assert report.attempts == 1
        text = " ".join(
            " ".join(
                p.extract_text() for p in PdfReader(Path(report.pdf.path).open("rb")).pages
            ).split()
        )
        assert text.count("Blocker: Liquid nitrogen vapour storage") == sites
    lines = [line.split() for line in renders.read_text().splitlines()]
    # Six parts each (ranking, two chunks' gaps, front, expiring, appendix), each rendered once.
    assert len(lines) == 12, lines
    assert _most_at_once([(float(start), float(end)) for _, start, end, _ in lines]) <= 2
    assert not list((workers.media / tasks.PARTS_FOLDER).iterdir())  # no part left behind
