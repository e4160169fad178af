"""Browser journey: a network coordinator ranks sites and opens one site's readiness."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_accessible, browser_type_launch_args, login  # noqa: F401
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
    page.get_by_label("Assess as of").fill("2026-03-15")
    page.evaluate("document.getElementById('id_on').type = 'text'")
    page.get_by_label("Assess as of").fill("15 March")
    page.get_by_role("button", name="Show ranking").click()
    page.wait_for_load_state()
    assert "Enter a date as YYYY-MM-DD." in page.locator("#id_on-error").inner_text()
    assert_accessible(page)

    page.get_by_label("Assess as of").fill("2026-03-15")
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
