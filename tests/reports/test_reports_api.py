"""POST /api/v1/reports/ and reading a report's status and files over the API."""

from __future__ import annotations

from unittest import mock

import pytest
from rest_framework.test import APIClient

from reports import access, broker, jobs, tasks
from reports.models import ReadinessReport
from tests.reports.test_jobs import QUEUED_RESULT, TODAY, build_scenario

URL = "/api/v1/reports/"


@pytest.fixture
def scenario(personas):
    return build_scenario(personas)


@pytest.fixture
def queue():
    with mock.patch.object(tasks.build_report, "apply_async", return_value=QUEUED_RESULT) as m:
        yield m


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(user, payload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return api(user).post(URL, payload, format="json")


def test_it_accepts_a_site_report_and_returns_202(
    personas, scenario, queue, django_capture_on_commit_callbacks
):
    payload = {
        "kind": "site",
        "site": personas.site_a.pk,
        "trial": scenario.trial.pk,
        "on": "2026-11-23",
    }
    response = post(personas.coordinator_a, payload, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.json()
    report = ReadinessReport.objects.get()
    assert response.json() == {"id": report.pk, "status": "queued"}
    assert report.as_of == TODAY and report.trial == scenario.trial
    again = post(personas.coordinator_a, payload, django_capture_on_commit_callbacks)
    assert again.json()["id"] == report.pk
    queue.assert_called_once()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"kind": "weekly"}, "kind", access.UNKNOWN_KIND),
        ({}, "kind", None),
        ({"kind": "site", "trial": "TRIAL"}, "site", access.SITE_REQUIRED),
        ({"kind": "site", "site": "SITE"}, "trial", access.REQUIREMENT_SET_REQUIRED),
        (
            {"kind": "site", "site": "SITE", "trial": "TRIAL", "profile": "cart_core"},
            "profile",
            access.BOTH_TRIAL_AND_PROFILE,
        ),
        ({"kind": "trial"}, "trial", access.TRIAL_REQUIRED),
        ({"kind": "site", "site": "SITE", "trial": "TRIAL", "on": "31/02/2026"}, "on", None),
        ({"kind": "site", "site": "SITE", "trial": "TRIAL", "on": "tomorrow"}, "on", None),
        ({"kind": "site", "site": "abc", "trial": "TRIAL"}, "site", None),
    ],
)
def test_it_rejects_bad_input_with_a_reason(
    personas, scenario, queue, payload, field, message, django_capture_on_commit_callbacks
):
    ids = {"SITE": personas.site_a.pk, "TRIAL": scenario.trial.pk}
    payload = {k: ids.get(v, v) for k, v in payload.items()}
    response = post(personas.national, payload, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    body = response.json()
    assert field in body
    if message:
        assert body[field] == [message]
    if field == "on":
        assert "on" in body["on"][0]
    assert not ReadinessReport.objects.exists()


@pytest.mark.parametrize(
    ("persona", "payload"),
    [
        ("coordinator_b", {"kind": "site", "site": "A", "trial": "TRIAL"}),
        ("pharmacist_a", {"kind": "site", "site": "B", "profile": "cart_core"}),
        ("network", {"kind": "site", "site": "B", "profile": "cart_core"}),
        ("network", {"kind": "region", "region": "SOUTH", "profile": "cart_core"}),
        ("coordinator_a", {"kind": "national", "profile": "cart_core"}),
        ("coordinator_a", {"kind": "region", "region": "NORTH", "profile": "cart_core"}),
        ("editor", {"kind": "trial", "trial": "TRIAL"}),
        ("nobody", {"kind": "site", "site": "A", "trial": "TRIAL"}),
        ("national", {"kind": "site", "site": 999999, "trial": "TRIAL"}),
        ("national", {"kind": "site", "site": "A", "profile": "no-such-profile"}),
        ("national", {"kind": "trial", "trial": 999999}),
    ],
)
def test_it_404s_what_the_persona_may_not_see(
    personas, scenario, queue, persona, payload, django_capture_on_commit_callbacks
):
    ids = {"A": personas.site_a.pk, "B": personas.site_b.pk, "TRIAL": scenario.trial.pk}
    payload = {k: ids.get(v, v) for k, v in payload.items()}
    response = post(getattr(personas, persona), payload, django_capture_on_commit_callbacks)
    assert response.status_code == 404
    assert not ReadinessReport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_answers_503_with_the_reason_when_the_broker_is_down(personas, scenario):
    """Transactional: on_commit runs inside the request, as it does in production."""
    from kombu.exceptions import OperationalError

    with mock.patch.object(
        tasks.build_report, "apply_async", side_effect=OperationalError("Error 111 connecting")
    ):
        response = api(personas.coordinator_a).post(
            URL,
            {"kind": "site", "site": personas.site_a.pk, "trial": scenario.trial.pk},
            format="json",
        )
    assert response.status_code == 503
    assert response.json() == {"detail": broker.BROKER_UNAVAILABLE}
    assert not ReadinessReport.objects.filter(status__in=ReadinessReport.ACTIVE_STATUSES).exists()


@pytest.fixture
def built(personas, scenario, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    report = ReadinessReport.objects.create(
        kind="site",
        site=personas.site_a,
        trial=scenario.trial,
        as_of=TODAY,
        requested_by=personas.coordinator_a,
        status="running",
    )
    jobs.report_finish(report_id=report.pk, pdf=b"%PDF-1.7 test", csv=b"site\r\n")
    report.refresh_from_db()
    return report


def test_it_shows_status_and_file_urls_when_succeeded(personas, built):
    body = api(personas.coordinator_a).get(f"{URL}{built.pk}/").json()
    assert body["status"] == "succeeded" and body["error"] == ""
    assert body["pdf"].endswith(f"/api/v1/reports/{built.pk}/pdf/")
    assert body["csv"].endswith(f"/api/v1/reports/{built.pk}/csv/")
    assert {"id", "kind", "created_at", "finished_at"} <= set(body)


def test_a_queued_report_has_no_file_urls_and_no_files(personas, scenario):
    report = ReadinessReport.objects.create(
        kind="site",
        site=personas.site_a,
        trial=scenario.trial,
        as_of=TODAY,
        requested_by=personas.coordinator_a,
    )
    client = api(personas.coordinator_a)
    body = client.get(f"{URL}{report.pk}/").json()
    assert (body["status"], body["pdf"], body["csv"]) == ("queued", None, None)
    assert client.get(f"{URL}{report.pk}/pdf/").status_code == 404


def test_it_downloads_files_as_attachments(personas, built):
    response = api(personas.pharmacist_a).get(
        f"{URL}{built.pk}/pdf/", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    csv = api(personas.network).get(f"{URL}{built.pk}/csv/")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("persona", ["coordinator_b", "editor", "nobody"])
def test_others_get_404_for_a_report(personas, built, persona):
    client = api(getattr(personas, persona))
    for suffix in ("", "pdf/", "csv/"):
        assert client.get(f"{URL}{built.pk}/{suffix}").status_code == 404
    assert api(personas.national).get(f"{URL}999999/").status_code == 404


def test_it_needs_authentication(built):
    assert APIClient().get(f"{URL}{built.pk}/").status_code in (401, 403)
