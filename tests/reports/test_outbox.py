"""The job outbox: the row is the truth, the broker a messenger (issue 12, findings 2 and 3).

A job queued past the bound is sent again (its message may have died with Redis); a running
job whose lease ran out lost its worker and is sent again, attempts counted, failed with the
reason once they are spent; the identical-request rule never hands back a job that cannot
finish. The same paths on real Redis and a real worker are in tests/chaos/.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from reports import broker, jobs, tasks
from reports.models import ReadinessReport
from tests.reports.test_jobs import QUEUED_RESULT, TODAY, make_report, request_site_report

Status = ReadinessReport.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    with mock.patch.object(tasks.build_report, "apply_async", return_value=QUEUED_RESULT) as m:
        yield m


def _ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


def _sent_ids(sent) -> list[int]:
    return [c.kwargs["args"][0] for c in sent.call_args_list]


def test_the_sweep_resends_a_job_queued_past_the_bound(
    personas, scenario, sent, django_capture_on_commit_callbacks
):
    lost = make_report(personas, scenario, sent_at=_ago(settings.REPORT_RESEND_AFTER_SECONDS + 5))
    fresh = make_report(personas, scenario, as_of=TODAY - dt.timedelta(1), sent_at=_ago(1))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.reports_sweep() == 1
    assert _sent_ids(sent) == [lost.pk]
    lost.refresh_from_db()
    assert lost.status == Status.QUEUED and lost.sent_at > _ago(5)
    assert fresh.pk not in _sent_ids(sent)


def test_the_sweep_reclaims_a_running_job_whose_lease_ran_out(
    personas, scenario, sent, django_capture_on_commit_callbacks
):
    dead = make_report(
        personas,
        scenario,
        status=Status.RUNNING,
        attempts=1,
        started_at=_ago(60),
        lease_expires_at=_ago(1),
    )
    alive = make_report(
        personas,
        scenario,
        as_of=TODAY - dt.timedelta(1),
        status=Status.RUNNING,
        attempts=1,
        started_at=_ago(60),
        lease_expires_at=_ago(-20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.reports_sweep() == 1
    assert _sent_ids(sent) == [dead.pk]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, dead.error, dead.attempts) == (Status.QUEUED, jobs.LOST_WORKER, 1)
    assert dead.progress_label == "Retrying (attempt 2 of 3)"
    assert alive.status == Status.RUNNING


def test_a_reclaimed_job_is_built_by_the_next_attempt(personas, scenario, media, eager):
    report = make_report(
        personas,
        scenario,
        status=Status.RUNNING,
        attempts=1,
        started_at=_ago(60),
        lease_expires_at=_ago(1),
    )
    jobs.reports_sweep()  # eager: the resent task runs at once, after commit
    report.refresh_from_db()
    if report.status == Status.QUEUED:  # on_commit inside the test transaction: run it here
        tasks.build_report.apply(args=[report.pk])
        report.refresh_from_db()
    assert (report.status, report.attempts, report.error) == (Status.SUCCEEDED, 2, "")


def test_the_sweep_fails_a_job_that_lost_its_worker_on_every_attempt(personas, scenario, sent):
    report = make_report(
        personas,
        scenario,
        status=Status.RUNNING,
        attempts=ReadinessReport.MAX_ATTEMPTS,
        lease_expires_at=_ago(1),
    )
    jobs.reports_sweep()
    report.refresh_from_db()
    assert report.status == Status.FAILED
    assert report.error == jobs.GAVE_UP.format(attempts=ReadinessReport.MAX_ATTEMPTS)
    sent.assert_not_called()


def test_a_duplicate_message_leaves_a_job_another_worker_holds(personas, scenario, eager):
    report = make_report(
        personas, scenario, status=Status.RUNNING, attempts=1, lease_expires_at=_ago(-30)
    )
    with mock.patch.object(tasks, "build_files") as build:
        assert tasks.build_report.apply(args=[report.pk]).get() == "nothing to do"
    build.assert_not_called()
    report.refresh_from_db()
    assert (report.status, report.attempts) == (Status.RUNNING, 1)


def test_the_heartbeat_renews_only_the_holding_attempt(personas, scenario):
    report = make_report(
        personas, scenario, status=Status.RUNNING, attempts=2, lease_expires_at=_ago(1)
    )
    assert not jobs.report_heartbeat(report_id=report.pk, attempt=1)
    assert jobs.report_heartbeat(report_id=report.pk, attempt=2)
    report.refresh_from_db()
    assert report.lease_expires_at > timezone.now()


def test_an_identical_request_resends_a_job_whose_message_was_lost(
    personas, scenario, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = request_site_report(personas, scenario)
    ReadinessReport.objects.filter(pk=first.pk).update(
        sent_at=_ago(settings.REPORT_RESEND_AFTER_SECONDS + 5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = request_site_report(personas, scenario)
    assert again.pk == first.pk
    assert _sent_ids(sent) == [first.pk, first.pk]


def test_an_identical_request_never_returns_a_job_that_cannot_finish(
    personas, scenario, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = request_site_report(personas, scenario)
    ReadinessReport.objects.filter(pk=first.pk).update(
        status=Status.RUNNING, attempts=ReadinessReport.MAX_ATTEMPTS, lease_expires_at=_ago(1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = request_site_report(personas, scenario)
    assert again.pk != first.pk and again.status == Status.QUEUED
    first.refresh_from_db()
    assert first.status == Status.FAILED


def test_a_resend_while_the_broker_is_down_keeps_the_job_queued(
    personas, scenario, django_capture_on_commit_callbacks
):
    report = make_report(personas, scenario, sent_at=_ago(settings.REPORT_RESEND_AFTER_SECONDS + 5))
    with mock.patch.object(broker, "send_build", side_effect=broker.BrokerUnavailable()):
        with django_capture_on_commit_callbacks(execute=True):
            jobs.reports_sweep()
    report.refresh_from_db()
    assert report.status == Status.QUEUED


@pytest.mark.parametrize(
    ("status", "attempts", "label"),
    [
        (Status.QUEUED, 0, "Queued"),
        (Status.RUNNING, 1, "Building"),
        (Status.QUEUED, 1, "Retrying (attempt 2 of 3)"),
        (Status.RUNNING, 2, "Retrying (attempt 2 of 3)"),
        (Status.RUNNING, 3, "Retrying (attempt 3 of 3)"),
        (Status.SUCCEEDED, 2, "Succeeded"),
    ],
)
def test_the_requester_sees_a_retry_as_a_retry(personas, scenario, status, attempts, label):
    report = make_report(personas, scenario, status=status, attempts=attempts)
    assert report.progress_label == label
    client = personas.client_for(personas.coordinator_a)
    response = client.get(f"/reports/{report.pk}/status/")
    assert response.status_code == 200
    if status != Status.SUCCEEDED:
        assert label in response.content.decode()
    api = client.get(f"/api/v1/reports/{report.pk}/").json()
    assert (api["progress"], api["attempts"]) == (label, attempts)


def test_the_sweep_is_scheduled_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["report-outbox-sweep"]
    assert entry["task"] == tasks.sweep_reports.name
    assert entry["schedule"] == settings.REPORT_SWEEP_SECONDS
