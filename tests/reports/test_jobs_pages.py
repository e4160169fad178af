"""Report job pages: the request form, "My reports" with polling, and downloads."""

from __future__ import annotations

import re
from unittest import mock

import pytest

from reports import access, broker, jobs, tasks
from reports.models import ReadinessReport
from tests.reports.test_jobs import QUEUED_RESULT, TODAY, build_scenario, make_report


@pytest.fixture
def scenario(personas):
    return build_scenario(personas)


def test_the_form_offers_only_what_is_in_scope(personas, scenario):
    html = personas.client_for(personas.coordinator_a).get("/reports/new/").content.decode()
    assert "Alpha Hospital" in html and "Beta Hospital" not in html
    assert 'value="national"' not in html and 'value="region"' not in html
    network = personas.client_for(personas.network).get("/reports/new/").content.decode()
    assert 'value="national"' in network and "North" in network and ">South<" not in network


def test_a_valid_request_queues_the_job_and_shows_its_page(
    personas, scenario, django_capture_on_commit_callbacks
):
    client = personas.client_for(personas.coordinator_a)
    with mock.patch.object(tasks.build_report, "apply_async", return_value=QUEUED_RESULT):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/reports/new/",
                {
                    "kind": "site",
                    "site": personas.site_a.pk,
                    "trial": scenario.trial.pk,
                    "on": "2026-11-23",
                },
            )
    report = ReadinessReport.objects.get()
    assert response.status_code == 302 and response.url == f"/reports/{report.pk}/"
    page = client.get(response.url).content.decode()
    assert "Queued" in page and f'hx-get="/reports/{report.pk}/status/"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "site", "trial": "TRIAL", "on": "2026-11-23"}, access.SITE_REQUIRED),
        ({"kind": "site", "site": "A", "on": "2026-11-23"}, access.REQUIREMENT_SET_REQUIRED),
        ({"kind": "site", "site": "A", "trial": "TRIAL", "on": "31/02/2026"}, "real date"),
        ({"site": "A", "trial": "TRIAL", "on": "2026-11-23"}, access.UNKNOWN_KIND),
    ],
)
def test_bad_input_shows_the_nhs_error_pattern(personas, scenario, data, message):
    ids = {"A": personas.site_a.pk, "TRIAL": scenario.trial.pk}
    data = {k: ids.get(v, v) for k, v in data.items()}
    response = personas.client_for(personas.coordinator_a).post("/reports/new/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "nhsuk-error-summary" in html and "nhsuk-error-message" in html and message in html
    assert not ReadinessReport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_is_explained_on_the_form(personas, scenario):
    from kombu.exceptions import OperationalError

    with mock.patch.object(
        tasks.build_report, "apply_async", side_effect=OperationalError("refused")
    ):
        response = personas.client_for(personas.coordinator_a).post(
            "/reports/new/",
            {
                "kind": "site",
                "site": personas.site_a.pk,
                "trial": scenario.trial.pk,
                "on": "2026-11-23",
            },
        )
    assert response.status_code == 400
    assert broker.BROKER_UNAVAILABLE in response.content.decode()


def test_my_reports_polls_only_unfinished_jobs(personas, scenario):
    queued = make_report(personas, scenario)
    done = make_report(
        personas, scenario, status="failed", error="It broke.", as_of=TODAY.replace(day=1)
    )
    make_report(personas, scenario, requested_by=personas.pharmacist_a, as_of=TODAY.replace(day=2))
    html = personas.client_for(personas.coordinator_a).get("/reports/").content.decode()
    assert f'hx-get="/reports/{queued.pk}/status/"' in html
    assert f'hx-get="/reports/{done.pk}/status/"' not in html and "It broke." in html
    assert html.count('<strong class="nhsuk-tag') == 2  # the pharmacist's report is not listed
    assert "<noscript>" in html and "Reload this page" in html
    assert 'href="/reports/"' in html  # the "Reports" navigation item


def test_the_status_fragment_stops_polling_once_finished(personas, scenario, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    report = make_report(personas, scenario, status="running")
    client = personas.client_for(personas.coordinator_a)
    assert "every 2s" in client.get(f"/reports/{report.pk}/status/").content.decode()
    jobs.report_finish(report_id=report.pk, pdf=b"%PDF-1.7", csv=b"site\r\n")
    html = client.get(f"/reports/{report.pk}/status/").content.decode()
    assert "hx-get" not in html and f"/reports/{report.pk}/pdf/" in html


def test_downloads_are_attachments_for_those_who_may_see_the_scope(
    personas, scenario, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    report = make_report(personas, scenario, status="running")
    jobs.report_finish(report_id=report.pk, pdf=b"%PDF-1.7", csv=b"site\r\n")
    for persona in ("coordinator_a", "pharmacist_a", "network", "national"):
        response = personas.client_for(getattr(personas, persona)).get(f"/reports/{report.pk}/pdf/")
        assert response.status_code == 200, persona
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
    for persona in ("coordinator_b", "editor", "nobody"):
        client = personas.client_for(getattr(personas, persona))
        for suffix in ("", "status/", "pdf/", "csv/"):
            assert client.get(f"/reports/{report.pk}/{suffix}").status_code == 404, persona


def test_a_national_report_is_private_to_its_requester_below_national_scope(personas, scenario):
    report = make_report(
        personas,
        scenario,
        kind="national",
        site=None,
        trial=None,
        profile=scenario.profile,
        requested_by=personas.national,
    )
    assert personas.client_for(personas.network).get(f"/reports/{report.pk}/").status_code == 404
    assert personas.client_for(personas.national).get(f"/reports/{report.pk}/").status_code == 200


def test_pages_need_login(personas, scenario):
    report = make_report(personas, scenario)
    from django.test import Client

    for url in (
        "/reports/",
        "/reports/new/",
        f"/reports/{report.pk}/",
        f"/reports/{report.pk}/pdf/",
    ):
        assert Client().get(url).status_code == 302


def test_the_site_and_region_are_asked_under_their_kind_of_report(personas, scenario):
    html = personas.client_for(personas.network).get("/reports/new/").content.decode()
    for kind, field in (("site", "site"), ("region", "region")):
        radio = re.search(rf'<input[^>]* value="{kind}"[^>]*>', html).group(0)
        target = re.search(r'data-aria-controls="([^"]+)"', radio).group(1)
        reveal = html[html.index(f'id="{target}"') :]
        assert reveal.index(f'name="{field}"') < reveal.index("nhsuk-radios__item")
        assert html.count(f'name="{field}"') == 1
    assert (
        "nhsuk-radios__conditional--hidden"
        not in html.split('value="site"')[1].split("nhsuk-radios__item")[0]
    )  # site reports are the default: shown
