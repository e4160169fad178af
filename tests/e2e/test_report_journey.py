"""The network coordinator's report journey in real Chromium: request a site report through the
form, follow it in "My reports" while htmx polls its status, and download the PDF.

With REDIS_URL set Celery is not eager; the `eager` fixture makes the live server build a
requested report in-process, as `make run` does with no broker.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from reports import access, tasks
from reports.models import ReadinessReport
from tests.e2e.conftest import assert_accessible, fill_date, login
from tests.reports.test_jobs import TODAY, build_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

Status = ReadinessReport.Status


@pytest.fixture
def scenario(personas, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return build_scenario(personas)


def _pdf_text(download) -> str:
    data = open(download.path(), "rb").read()
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_network_coordinator_requests_a_site_report_and_downloads_the_pdf(
    page, live_server, personas, scenario, eager
):
    login(page, live_server, personas.network)
    page.get_by_role("link", name="Reports", exact=True).first.click()
    expect(page.get_by_role("heading", name="My reports")).to_be_visible()
    expect(page.get_by_text("You have not requested any reports yet.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Request a report").click()
    expect(page.get_by_role("heading", name="Request a readiness report")).to_be_visible()
    assert_accessible(page)
    # A site report without a site: the NHS.UK error pattern, and nothing is queued.
    page.get_by_role("radio", name="Site", exact=True).check()
    page.get_by_role("combobox", name="Trial", exact=True).select_option(
        label=scenario.trial.short_title
    )
    page.get_by_role("button", name="Request report").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text(access.SITE_REQUIRED)
    expect(summary.get_by_role("link", name=access.SITE_REQUIRED)).to_have_attribute(
        "href", re.compile("^#id_site")
    )
    assert_accessible(page)
    assert not ReadinessReport.objects.exists()

    page.get_by_role("radio", name="Site", exact=True).check()
    page.get_by_role("combobox", name="Site", exact=True).select_option(label=str(personas.site_a))
    page.get_by_role("combobox", name="Trial", exact=True).select_option(
        label=scenario.trial.short_title
    )
    fill_date(page, "Assess as of", TODAY)
    page.get_by_role("button", name="Request report").click()

    report = ReadinessReport.objects.get()
    assert (report.requested_by, report.site, report.trial, report.as_of) == (
        personas.network,
        personas.site_a,
        scenario.trial,
        TODAY,
    )
    expect(page).to_have_url(f"{live_server.url}/reports/{report.pk}/")
    expect(page.get_by_text("Your report has been requested.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alpha Hospital")
    # Built in-process: the job is finished by the time its page is shown.
    expect(page.locator(f"#report-status-{report.pk}")).to_contain_text("Ready")
    assert_accessible(page)

    page.get_by_role("link", name="All my reports").click()
    row = page.locator("tbody tr", has=page.locator(f"#report-status-{report.pk}"))
    expect(row).to_contain_text("Alpha Hospital")
    expect(row).to_contain_text(scenario.trial.short_title)
    expect(row).to_contain_text("23 Nov 2026")
    assert_accessible(page)
    with page.expect_download() as info:
        row.get_by_role("link", name=f"Download PDF of report {report.pk}").click()
    download = info.value
    assert download.suggested_filename == f"readiness-report-{report.pk}-site-2026-11-23.pdf"
    text = _pdf_text(download)
    assert "Alpha Hospital" in text and scenario.missing[0] in text


def test_my_reports_polls_a_queued_report_until_it_is_ready_without_a_reload(
    page, live_server, personas, scenario
):
    report = ReadinessReport.objects.create(
        kind=ReadinessReport.Kind.SITE,
        site=personas.site_a,
        trial=scenario.trial,
        as_of=TODAY,
        requested_by=personas.network,
    )
    login(page, live_server, personas.network)
    page.goto(f"{live_server.url}/reports/")
    status = page.locator(f"#report-status-{report.pk}")
    expect(status).to_contain_text("Queued")
    expect(status).to_have_attribute("hx-get", f"/reports/{report.pk}/status/")
    expect(status).to_have_attribute("hx-trigger", "every 2s")
    expect(status.get_by_role("link")).to_have_count(0)
    assert_accessible(page)
    # Anything set on this window survives only if the page is never reloaded.
    page.evaluate("window.sameDocument = true")

    ReadinessReport.objects.filter(pk=report.pk).update(status=Status.RUNNING)
    expect(status).to_contain_text("Building")
    tasks.build_report.apply(args=[report.pk])
    report.refresh_from_db()
    assert report.status == Status.SUCCEEDED, report.error
    expect(status).to_contain_text("Ready")
    assert page.evaluate("window.sameDocument") is True
    # A finished job's fragment has no hx-get: the polling has stopped.
    expect(status).not_to_have_attribute("hx-get", re.compile(".*"))
    assert_accessible(page)

    with page.expect_download() as info:
        status.get_by_role("link", name=f"Download PDF of report {report.pk}").click()
    assert "Alpha Hospital" in _pdf_text(info.value)
