"""Chaos: report jobs on a real worker and a private Redis that we pause, kill and restart.

Each test keeps a finding of issue 12 as a regression test and records its figure
(.tmp/chaos-figures.json; docs/reliability.md):
- a worker SIGKILLed mid-build: the job resumes on another worker once its lease runs out
  and is completed exactly once (finding 3: it used to wait ~100 s, or 15 min by default);
- Redis paused (a hung broker): a report request is refused with the clear 503 within the
  broker timeout (finding 1: it used to hang 121 s, then 500);
- Redis restarted without persistence while jobs are queued: the sweep resends them all
  (finding 2: they used to stay 'Queued' forever, and an identical request returned them);
- a worker SIGKILLed while it renders a part of another worker's report: the report's own
  task renders that part, and the report succeeds on its first attempt.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import statistics
import time

import pytest
from django.test import Client

from reports import broker, jobs, tasks
from reports import document as report_document
from reports.models import ReadinessReport
from tests.chaos.conftest import LEASE_SECONDS, record_figure, wait_until
from tests.reports.test_jobs import TODAY, build_scenario
from tests.sites.factories import SiteFactory

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

Status = ReadinessReport.Status
KILLS = int(os.environ.get("CHAOS_KILLS", "3"))
BUILD_DELAY = "2"


def _request(personas, scenario, day: int) -> ReadinessReport:
    return jobs.report_request(
        user=personas.network,
        kind="site",
        site=personas.site_a.pk,
        trial=scenario.trial.pk,
        as_of=TODAY - dt.timedelta(days=day),
    )


def _status(report: ReadinessReport) -> ReadinessReport:
    report.refresh_from_db()
    return report


def _nothing_left_active(services) -> None:
    """After the sweep, no job is left queued or running."""
    active = list(ReadinessReport.objects.filter(status__in=ReadinessReport.ACTIVE_STATUSES))
    assert not active, (active, services.log())


def test_a_killed_worker_s_job_resumes_and_completes_exactly_once(personas, services):
    scenario = build_scenario(personas)
    services.beat()
    worker = services.worker(ATMP_TEST_REPORT_BUILD_DELAY=BUILD_DELAY)
    resumed_after = []
    for round_ in range(KILLS):
        report = _request(personas, scenario, day=round_)
        wait_until(
            lambda r=report: _status(r).status == Status.RUNNING,
            60,
            services,
            f"round {round_}: report running",
        )
        os.kill(worker.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        worker.wait(timeout=10)
        # The replacement starts at once; the job waits for its lease to run out first.
        worker = services.worker(ATMP_TEST_REPORT_BUILD_DELAY=BUILD_DELAY)
        wait_until(
            lambda r=report: _status(r).attempts == 2,
            60,
            services,
            f"round {round_}: second attempt started",
            step=0.05,
        )
        resumed_after.append(time.monotonic() - killed_at)
        assert report.progress_label == "Retrying (attempt 2 of 3)"
        wait_until(
            lambda r=report: _status(r).status == Status.SUCCEEDED,
            60,
            services,
            f"round {round_}: report succeeded",
        )
        assert report.attempts == 2  # the killed run and the resumed one, nothing more
    pdfs = sorted(p.name for p in services.media.rglob("*.pdf"))
    assert len(pdfs) == KILLS, pdfs  # one file per report: each completed exactly once
    time.sleep(LEASE_SECONDS + 1)  # a late duplicate message finds every job finished
    assert ReadinessReport.objects.filter(status=Status.SUCCEEDED, attempts=2).count() == KILLS
    assert sorted(p.name for p in services.media.rglob("*.pdf")) == pdfs
    _nothing_left_active(services)
    record_figure(
        "worker_sigkill",
        {
            "kills": KILLS,
            "completed_once": KILLS,
            "lease_seconds": LEASE_SECONDS,
            "median_kill_to_resumed_s": round(statistics.median(resumed_after), 2),
            "max_kill_to_resumed_s": round(max(resumed_after), 2),
        },
    )


def test_a_paused_redis_gets_the_clear_refusal_quickly(personas, services, settings):
    scenario = build_scenario(personas)
    client = personas.client_for(personas.network)
    body = {"kind": "site", "site": personas.site_a.pk, "trial": scenario.trial.pk}
    assert client.post("/api/v1/reports/", body, content_type="application/json").status_code == 202
    services.redis.pause()
    try:
        started = time.monotonic()
        response = client.post(
            "/api/v1/reports/", {**body, "on": "2026-01-05"}, content_type="application/json"
        )
        refused_after = time.monotonic() - started
        ready_started = time.monotonic()
        ready = Client().get("/readyz")
        ready_after = time.monotonic() - ready_started
    finally:
        services.redis.resume()
    assert response.status_code == 503
    assert response.json() == {"detail": broker.BROKER_UNAVAILABLE}
    assert refused_after < settings.BROKER_TIMEOUT_SECONDS + 1
    assert (ready.status_code, ready.json()["down"]) == (503, ["broker"])
    assert ready_after < settings.BROKER_TIMEOUT_SECONDS + 1
    refused = ReadinessReport.objects.get(as_of=dt.date(2026, 1, 5))
    assert (refused.status, refused.error) == (Status.FAILED, broker.BROKER_UNAVAILABLE)
    # Redis back: the same request now succeeds (nothing stuck from the refusal).
    response = client.post(
        "/api/v1/reports/", {**body, "on": "2026-01-05"}, content_type="application/json"
    )
    assert response.status_code == 202
    record_figure(
        "redis_paused",
        {
            "broker_timeout_s": settings.BROKER_TIMEOUT_SECONDS,
            "report_request_refused_after_s": round(refused_after, 2),
            "readyz_503_after_s": round(ready_after, 2),
        },
    )


def test_queued_jobs_lost_with_a_restarted_redis_are_all_completed(personas, services):
    scenario = build_scenario(personas)
    queued = [_request(personas, scenario, day=day) for day in range(5)]
    assert all(r.status == Status.QUEUED for r in queued)
    services.redis.kill()  # no persistence: the five messages are gone
    services.redis.start()
    restarted_at = time.monotonic()
    # The identical request still gets its job, and it is not a job that cannot finish.
    again = _request(personas, scenario, day=0)
    assert again.pk == queued[0].pk
    services.worker()
    services.beat()
    wait_until(
        lambda: (
            ReadinessReport.objects.filter(
                pk__in=[r.pk for r in queued], status=Status.SUCCEEDED
            ).count()
            == 5
        ),
        90,
        services,
        "all five lost jobs succeeded",
        step=0.2,
    )
    recovered_after = time.monotonic() - restarted_at
    assert len(list(services.media.rglob("*.pdf"))) == 5
    _nothing_left_active(services)
    record_figure(
        "redis_restarted_with_5_queued",
        {
            "jobs": 5,
            "completed": 5,
            "resend_after_s": 3,
            "restart_to_all_succeeded_s": round(recovered_after, 2),
        },
    )


def test_a_helper_killed_mid_part_costs_the_report_nothing(personas, services):
    """Six parts (ranking, two chunks' gaps, front, expiring, appendix): the helper holds the
    first; the owner renders the other five, then waits for it; the helper is killed; the
    owner renders the sixth itself, and the report succeeds on its first attempt."""
    scenario = build_scenario(personas)
    SiteFactory.create_batch(report_document.PART_SITES, region=personas.north)
    renders = services.logs / "renders.log"
    renders.touch()
    owner = services.worker(
        ATMP_TEST_REPORT_BUILD_DELAY="4", **{tasks.TEST_RENDER_LOG_ENV: str(renders)}
    )
    report = jobs.report_request(
        user=personas.national, kind="national", profile=scenario.profile.code, as_of=TODAY
    )
    wait_until(lambda: _status(report).status == Status.RUNNING, 60, services, "report running")
    # While the owner waits before building, a second worker starts: it takes the first part
    # offered and holds its claim (a long render) until it is killed.
    helper = services.worker(**{tasks.TEST_HELPER_DELAY_ENV: "60"})
    wait_until(
        lambda: len(renders.read_text().splitlines()) == 5,
        60,
        services,
        "the owner rendered the five parts the helper does not hold",
    )
    time.sleep(1.5)
    assert len(renders.read_text().splitlines()) == 5  # it waits for the held part
    assert _status(report).status == Status.RUNNING
    os.kill(helper.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    helper.wait(timeout=10)
    wait_until(
        lambda: _status(report).status == Status.SUCCEEDED,
        50,
        services,
        "report succeeded without the helper",
    )
    finished_after = time.monotonic() - killed_at
    assert report.attempts == 1  # no lease ran out, nothing was retried
    roles = [line.split()[3] for line in renders.read_text().splitlines()]
    assert roles == ["owner"] * 6  # the sixth: the part the killed helper held
    assert owner.poll() is None
    _nothing_left_active(services)
    record_figure(
        "helper_sigkill_mid_part",
        {
            "attempts": report.attempts,
            "kill_to_succeeded_s": round(finished_after, 2),
        },
    )
