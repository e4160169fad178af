"""Browser journey: a network coordinator ranks sites and opens one site's readiness."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.views import readiness as views
from tests.e2e.conftest import (  # noqa: F401
    assert_accessible,
    browser_type_launch_args,
    fill_date,
    login,
)
from tests.reports.test_ranking import build_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_network_coordinator_ranks_sites_and_opens_the_gaps(page, live_server, personas):
    scenario = build_scenario(personas)
    login(page, live_server, personas.network)

    assert page.locator('header a[href="/readiness/"]').count() == 1
    page.goto(f"{live_server.url}/readiness/")
    assert_accessible(page)

    # A bad date comes back next to the field, without JavaScript help.
    page.get_by_label("Trial").select_option(label=scenario.trial.short_title)
    when = page.get_by_role("group", name="Assess as of")
    when.get_by_label("Day").fill("15")
    when.get_by_label("Month").fill("March")
    when.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show ranking").click()
    page.wait_for_load_state()
    assert views.BAD_DATE in page.locator("#id_on-error").inner_text()
    assert page.locator("#id_on-month.nhsuk-input--error").count() == 1
    assert_accessible(page)

    fill_date(page, "Assess as of", dt.date(2026, 3, 15))
    page.get_by_role("button", name="Show ranking").click()
    page.wait_for_load_state()
    rows = page.locator("table tbody tr")
    assert rows.count() == 1  # site B is in South, outside this coordinator's scope
    assert "Ready" in rows.first.inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Alpha Hospital").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Readiness"
    assert "Expiring within 90 days" in page.content()
    assert_accessible(page)
