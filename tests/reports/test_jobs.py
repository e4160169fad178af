"""Report jobs: request (scope, dedup, queue after commit, broker down) and the build task."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.db import IntegrityError, OperationalError, connection, transaction
from django.http import Http404
from django.utils import timezone

from atmp_portal.celery import app as celery_app
from reports import access, broker, jobs, tasks
from reports.models import ReadinessReport
from sites.models import SiteCapability
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
    TrialSiteFactory,
)
from trials.models import RequirementLevel

TODAY = dt.date(2026, 11, 23)
# When the scenario is recorded: a past as-of date reads what was recorded by then.
RECORDED = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
QUEUED_RESULT = mock.Mock(id="celery-task-id")
Status = ReadinessReport.Status


@dataclass
class Scenario:
    trial: object
    empty_trial: object
    profile: object
    missing: list[str]
    course_title: str


def build_scenario(personas) -> Scenario:
    """Site A lacks two mandatory capabilities and one of two trained cell-lab scientists."""
    with time_machine.travel(RECORDED, tick=False):  # before TODAY, read from the history
        trial = TrialFactory(short_title="CARTX-01")
        ln2 = CapabilityFactory(
            code="ln2_storage",
            name="Liquid nitrogen vapour storage",
            evidence_expected=[{"type": "sop", "label": "LN2 storage SOP"}],
        )
        gmo = CapabilityFactory(
            code="gmo_containment", name="GMO class 1 containment", category="laboratory"
        )
        apheresis = CapabilityFactory(code="apheresis", name="Apheresis unit", category="clinical")
        icu = CapabilityFactory(code="icu_cover", name="Critical care cover", category="clinical")
        CapabilityRequirementFactory(trial=trial, capabilities=[ln2])
        CapabilityRequirementFactory(trial=trial, capabilities=[gmo])
        CapabilityRequirementFactory(trial=trial, capabilities=[apheresis])
        CapabilityRequirementFactory(
            trial=trial, capabilities=[icu], level=RequirementLevel.RECOMMENDED
        )
        SiteCapabilityFactory(
            site=personas.site_a, capability=gmo, status=SiteCapability.Status.IN_PROGRESS
        )
        SiteCapabilityFactory(
            site=personas.site_a,
            capability=apheresis,
            evidence_expires_on=TODAY + dt.timedelta(days=30),
        )
        course = CourseFactory(code="cryo_handling", title="Cryogenic handling", renewal_months=24)
        TrainingRequirementFactory(trial=trial, course=course, role="CELL_LAB_SCI", min_staff=2)
        trained = StaffMemberFactory(site=personas.site_a, full_name="Ada Lovelace")
        TrainingRecordFactory(
            staff=trained, course=course, completed_on=TODAY - dt.timedelta(days=10)
        )
        TrialSiteFactory(trial=trial, site=personas.site_a)
        TrialSiteFactory(trial=trial, site=personas.site_b)
        profile = RequirementProfileFactory(code="cart_core", name="CAR-T core")
        CapabilityRequirementFactory(profile=profile, capabilities=[ln2])
        empty_trial = TrialFactory(short_title="EMPTY-01")
        TrialSiteFactory(trial=empty_trial, site=personas.site_a)
    return Scenario(
        trial,
        empty_trial,
        profile,
        ["Liquid nitrogen vapour storage", "GMO class 1 containment"],
        "Cryogenic handling",
    )


def request_site_report(personas, scenario, user=None, **overrides) -> ReadinessReport:
    params = dict(
        user=user or personas.coordinator_a,
        kind="site",
        site=personas.site_a.pk,
        trial=scenario.trial.pk,
        as_of=TODAY,
    )
    params.update(overrides)
    return jobs.report_request(**params)


def make_report(personas, scenario, **fields) -> ReadinessReport:
    values = dict(
        kind="site",
        site=personas.site_a,
        trial=scenario.trial,
        as_of=TODAY,
        requested_by=personas.coordinator_a,
    )
    values.update(fields)
    return ReadinessReport.objects.create(**values)


# --- requesting -------------------------------------------------------------------------------


def test_it_queues_the_job_only_after_the_transaction_commits(
    personas, scenario, django_capture_on_commit_callbacks
):
    with mock.patch.object(
        tasks.build_report, "apply_async", return_value=QUEUED_RESULT
    ) as apply_async:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            report = request_site_report(personas, scenario)
        apply_async.assert_not_called()
        assert report.status == Status.QUEUED
        for callback in callbacks:
            callback()
    apply_async.assert_called_once()
    assert apply_async.call_args.kwargs["args"] == [report.pk]
    report.refresh_from_db()
    assert report.task_id == "celery-task-id"


def test_it_returns_the_identical_job_while_one_is_queued_or_running(
    personas, scenario, django_capture_on_commit_callbacks
):
    with mock.patch.object(tasks.build_report, "apply_async", return_value=QUEUED_RESULT):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            first = request_site_report(personas, scenario)
            again = request_site_report(personas, scenario)
        assert again.pk == first.pk
        assert len(callbacks) == 1
        ReadinessReport.objects.filter(pk=first.pk).update(status=Status.RUNNING)
        assert request_site_report(personas, scenario).pk == first.pk
        # Another date, or another requester, is another job.
        other_day = request_site_report(personas, scenario, as_of=TODAY - dt.timedelta(days=1))
        other_user = request_site_report(personas, scenario, user=personas.pharmacist_a)
        assert len({first.pk, other_day.pk, other_user.pk}) == 3
        # Once finished, the same request makes a new job.
        ReadinessReport.objects.filter(pk=first.pk).update(status=Status.SUCCEEDED)
        assert request_site_report(personas, scenario).pk != first.pk


def test_the_database_refuses_two_identical_active_jobs(personas, scenario):
    make_report(personas, scenario, dedup_key="k" * 64)
    with pytest.raises(IntegrityError):
        make_report(personas, scenario, dedup_key="k" * 64, status=Status.RUNNING)


def _waiting_on_a_lock(timeout: float = 10) -> bool:
    """True once another connection waits on a row or index lock (the second insert)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_get_one_job(personas, scenario):
    """A real race on PostgreSQL: the first request has inserted its job but not committed
    when the second looks, finds nothing and inserts too. The partial unique index makes the
    second wait, then refuse, and the second request hands back the first one's job."""
    inserted, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = request_site_report(personas, scenario)
                inserted.set()
                release.wait(10)
        except Exception as exc:  # pragma: no cover - reported by the asserts below
            results["first"] = exc
        finally:
            connection.close()

    def second() -> None:
        try:
            results["second"] = request_site_report(personas, scenario)
        except Exception as exc:  # pragma: no cover
            results["second"] = exc
        finally:
            connection.close()

    with mock.patch.object(tasks.build_report, "apply_async", return_value=QUEUED_RESULT) as sent:
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        threads[0].start()
        assert inserted.wait(10)
        threads[1].start()
        blocked = _waiting_on_a_lock()
        release.set()
        for thread in threads:
            thread.join(15)
    assert blocked, "the second insert never waited on the first's uncommitted row"
    assert isinstance(results["first"], ReadinessReport), results["first"]
    assert isinstance(results["second"], ReadinessReport), results["second"]
    assert results["second"].pk == results["first"].pk
    assert ReadinessReport.objects.count() == 1
    sent.assert_called_once()


@pytest.fixture
def unreachable_broker():
    """Point the Celery app at a port nothing listens on."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager, conf.broker_connection_timeout
    conf.broker_url, conf.task_always_eager = "redis://127.0.0.1:1/0", False
    conf.broker_connection_timeout = 1
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    conf.broker_url, conf.task_always_eager, conf.broker_connection_timeout = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_it_says_the_broker_is_unavailable_and_leaves_no_queued_job(
    personas, scenario, unreachable_broker, django_capture_on_commit_callbacks
):
    with pytest.raises(broker.BrokerUnavailable) as raised:
        with django_capture_on_commit_callbacks(execute=True):
            request_site_report(personas, scenario)
    assert raised.value.message == broker.BROKER_UNAVAILABLE
    assert not ReadinessReport.objects.filter(status__in=ReadinessReport.ACTIVE_STATUSES).exists()
    failed = ReadinessReport.objects.get()
    assert (failed.status, failed.error) == (Status.FAILED, broker.BROKER_UNAVAILABLE)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"kind": "weekly"}, "kind", access.UNKNOWN_KIND),
        ({"kind": "site", "site": None}, "site", access.SITE_REQUIRED),
        ({"kind": "site", "trial": None}, "trial", access.REQUIREMENT_SET_REQUIRED),
        ({"kind": "site", "profile": "cart_core"}, "profile", access.BOTH_TRIAL_AND_PROFILE),
        ({"kind": "region", "site": None}, "region", access.REGION_REQUIRED),
        ({"kind": "trial", "trial": None, "site": None}, "trial", access.TRIAL_REQUIRED),
    ],
)
def test_it_rejects_bad_input_naming_the_field(personas, scenario, params, field, message):
    with pytest.raises(access.ReportRequestError) as raised:
        request_site_report(personas, scenario, user=personas.national, **params)
    assert (raised.value.field, raised.value.message) == (field, message)
    assert not ReadinessReport.objects.exists()


def _scope(personas, scenario, kind):
    return {
        "site_a": dict(kind="site", site=personas.site_a.pk, trial=scenario.trial.pk),
        "site_b": dict(kind="site", site=personas.site_b.pk, profile="cart_core"),
        "trial": dict(kind="trial", trial=scenario.trial.pk),
        "north": dict(kind="region", region="NORTH", profile="cart_core"),
        "south": dict(kind="region", region="south", profile="cart_core"),
        "national": dict(kind="national", profile="cart_core"),
    }[kind]


ALLOWED = {
    "coordinator_a": {"site_a", "trial"},
    "pharmacist_a": {"site_a", "trial"},
    "coordinator_b": {"site_b", "trial"},
    "network": {"site_a", "trial", "north", "national"},
    "national": {"site_a", "site_b", "trial", "north", "south", "national"},
    "editor": set(),
    "nobody": set(),
}


@pytest.mark.parametrize("persona", sorted(ALLOWED))
def test_it_allows_only_scopes_the_persona_may_see(
    personas, scenario, persona, django_capture_on_commit_callbacks
):
    user = getattr(personas, persona)
    with mock.patch.object(tasks.build_report, "apply_async", return_value=QUEUED_RESULT):
        for kind in ("site_a", "site_b", "trial", "north", "south", "national"):
            params = _scope(personas, scenario, kind)
            if kind in ALLOWED[persona]:
                with django_capture_on_commit_callbacks(execute=True):
                    jobs.report_request(user=user, as_of=TODAY, **params)
            else:
                with pytest.raises(Http404):
                    jobs.report_request(user=user, as_of=TODAY, **params)


def test_it_404s_unknown_ids(personas, scenario):
    for params in (
        dict(kind="site", site=999999, trial=scenario.trial.pk),
        dict(kind="site", site=personas.site_a.pk, trial=999999),
        dict(kind="site", site=personas.site_a.pk, profile="no_such_profile"),
        dict(kind="region", region="NOWHERE", profile="cart_core"),
        dict(kind="site", site="not-a-number", trial=scenario.trial.pk),
    ):
        with pytest.raises(Http404):
            jobs.report_request(user=personas.national, as_of=TODAY, **params)


# --- building ---------------------------------------------------------------------------------


def run_task(report: ReadinessReport) -> ReadinessReport:
    tasks.build_report.apply(args=[report.pk])
    report.refresh_from_db()
    return report


def test_it_builds_the_pdf_and_csv_into_media_storage(personas, scenario, media, eager):
    report = run_task(make_report(personas, scenario))
    assert report.status == Status.SUCCEEDED, report.error
    assert (report.attempts, report.error) == (1, "")
    assert report.started_at <= report.finished_at
    assert Path(report.pdf.path).read_bytes().startswith(b"%PDF")
    assert Path(report.pdf.path).is_relative_to(media)
    csv_text = Path(report.csv.path).read_text(encoding="utf-8-sig")
    assert csv_text.startswith("site,ods_code,region,requirement_key")


def test_running_a_finished_report_again_does_nothing(personas, scenario, media, eager):
    report = run_task(make_report(personas, scenario))
    pdf_name, finished_at = report.pdf.name, report.finished_at
    with mock.patch.object(tasks, "build_files") as build:
        report = run_task(report)
    build.assert_not_called()
    assert (report.status, report.attempts) == (Status.SUCCEEDED, 1)
    assert (report.pdf.name, report.finished_at) == (pdf_name, finished_at)
    assert len(list(media.rglob("*.pdf"))) == 1


def test_it_rebuilds_a_report_left_running_by_a_killed_worker(personas, scenario, media, eager):
    report = make_report(
        personas, scenario, status=Status.RUNNING, attempts=1, started_at=timezone.now()
    )
    report = run_task(report)
    assert (report.status, report.attempts) == (Status.SUCCEEDED, 2)


def test_only_the_first_run_to_finish_writes_files(personas, scenario, media):
    report = make_report(personas, scenario, status=Status.RUNNING, attempts=1)
    assert jobs.report_finish(report_id=report.pk, pdf=b"%PDF-first", csv=b"a")
    assert not jobs.report_finish(report_id=report.pk, pdf=b"%PDF-second", csv=b"b")
    report.refresh_from_db()
    assert Path(report.pdf.path).read_bytes() == b"%PDF-first"
    assert len(list(media.rglob("*.pdf"))) == 1


def test_a_failure_ends_in_failed_with_the_reason(personas, scenario, media, eager):
    with mock.patch.object(tasks, "build_files", side_effect=ValueError("bad row")):
        report = run_task(make_report(personas, scenario))
    assert report.status == Status.FAILED
    assert report.error == tasks.BUILD_FAILED.format(error="ValueError: bad row")
    assert report.finished_at is not None


def test_a_transient_error_is_retried(personas, scenario, media, eager):
    real = tasks.build_files
    calls = {"n": 0}

    def flaky(report, **options):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(report, **options)

    with mock.patch.object(tasks, "build_files", side_effect=flaky):
        report = run_task(make_report(personas, scenario))
    assert (report.status, report.attempts, report.error) == (Status.SUCCEEDED, 2, "")


def test_transient_errors_end_in_failed_after_the_last_retry(personas, scenario, media, eager):
    with mock.patch.object(tasks, "build_files", side_effect=OSError("disk full")):
        report = run_task(make_report(personas, scenario))
    assert report.status == Status.FAILED
    assert report.attempts == ReadinessReport.MAX_ATTEMPTS
    assert report.error == tasks.TRANSIENT_GAVE_UP.format(
        tries=ReadinessReport.MAX_ATTEMPTS, error="OSError: disk full"
    )


def test_retries_back_off(personas):
    assert [tasks._retry_countdown(n) for n in range(3)] == [2, 4, 8]
    assert tasks.build_report.acks_late and tasks.build_report.reject_on_worker_lost
    assert tasks.build_report.soft_time_limit < tasks.build_report.time_limit


def test_the_soft_time_limit_ends_in_failed(personas, scenario, media, eager):
    from celery.exceptions import SoftTimeLimitExceeded

    with mock.patch.object(tasks, "build_files", side_effect=SoftTimeLimitExceeded()):
        report = run_task(make_report(personas, scenario))
    assert (report.status, report.error) == (Status.FAILED, tasks.TIMED_OUT)


def test_it_gives_up_on_a_report_that_keeps_losing_its_worker(personas, scenario, media, eager):
    report = make_report(
        personas,
        scenario,
        status=Status.RUNNING,
        attempts=jobs.MAX_ATTEMPTS,
        started_at=timezone.now(),
    )
    report = run_task(report)
    assert report.status == Status.FAILED
    assert report.error == jobs.GAVE_UP.format(attempts=jobs.MAX_ATTEMPTS)


def test_a_trial_report_covers_only_participating_sites_the_requester_sees(personas, scenario):
    report = make_report(personas, scenario, kind="trial", site=None, requested_by=personas.network)
    assert list(access.report_sites(report)) == [personas.site_a]
    report.requested_by = personas.national
    assert set(access.report_sites(report)) == {personas.site_a, personas.site_b}


def test_a_fresh_web_process_finds_the_build_task_by_name():
    """The web process never imports reports.tasks (the lifecycle sends the task by name):
    the first send must still find it."""
    code = (
        "import django; django.setup(); import sys; "
        "assert 'reports.tasks' not in sys.modules; "
        "from reports import broker; print(broker.build_task().name)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "atmp_portal.settings_test"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == broker.BUILD_REPORT
