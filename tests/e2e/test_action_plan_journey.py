"""In Chromium: a warning on the site readiness page gets an action from its own row, and the
page it returns to shows it; then with JavaScript switched off the same from a blocker, and the
action's status changed with a reason that its history keeps."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from actions.models import GapAction
from sites.models import Capability
from tests.e2e.conftest import assert_accessible, fill_date, login
from tests.sites.factories import CapabilityFactory
from tests.training.factories import StaffMemberFactory
from tests.trials.factories import CapabilityRequirementFactory, TrialFactory, TrialSiteFactory
from trials.models import RequirementLevel

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/atmp-reminders-shots"


@pytest.fixture
def trial(personas):
    trial = TrialFactory(short_title="ORION-19")
    TrialSiteFactory(trial=trial, site=personas.site_a)
    for code, name, level in [
        ("ln2", "Liquid nitrogen storage", RequirementLevel.MANDATORY),
        ("aph", "Apheresis unit", RequirementLevel.RECOMMENDED),
    ]:
        cap = CapabilityFactory(code=code, name=name, category=Capability.Category.STORAGE)
        CapabilityRequirementFactory(trial=trial, capabilities=[cap], level=level)
    StaffMemberFactory(site=personas.site_a, full_name="Ann Nurse")
    return trial


def shoot(page, name: str, *, scripts: bool = True) -> None:
    """Screenshots at 1280 and 320 px; with scripts, axe and no page wider than the screen."""
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)
        if scripts:
            assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
            assert_accessible(page)
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_warning_gets_an_action_from_its_row_on_the_readiness_page(
    page, live_server, personas, trial
):
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, personas.coordinator_a)
    page.goto(f"{live_server.url}/sites/{personas.site_a.pk}/readiness/?trial={trial.pk}")
    row = page.get_by_role("row", name="Apheresis unit")
    expect(row).to_contain_text("Warning")
    expect(row).to_contain_text("No action planned")
    shoot(page, "readiness-before")
    row.get_by_role("link", name="Add an action for Apheresis unit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an action")
    expect(page.get_by_text("It is a warning for ORION-19.")).to_be_visible()
    page.get_by_label("Owner").select_option(label="Ann Nurse (site staff)")
    fill_date(page, "Target date", dt.date(2027, 5, 31))
    shoot(page, "action-form")
    page.get_by_role("button", name="Add the action").click()
    assert page.url.endswith(f"/readiness/?trial={trial.pk}")
    row = page.get_by_role("row", name="Apheresis unit")
    expect(row).to_contain_text("Action: Ann Nurse, by 31 May 2027")
    expect(row.get_by_role("link", name="Add another action for Apheresis unit")).to_be_visible()
    shoot(page, "readiness-after")


def test_without_javascript_an_action_is_added_and_closed_with_a_reason(
    browser, live_server, personas, trial
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, personas.coordinator_a)
    page.goto(f"{live_server.url}/sites/{personas.site_a.pk}/readiness/?trial={trial.pk}")
    page.get_by_role("link", name="Add an action for Liquid nitrogen storage").click()
    page.get_by_label("Owner").select_option(label="Ann Nurse (site staff)")
    fill_date(page, "Target date", dt.date(2027, 3, 31))
    page.get_by_role("button", name="Add the action").click()
    row = page.get_by_role("row", name="Liquid nitrogen storage")
    expect(row).to_contain_text("Action: Ann Nurse, by 31 March 2027")
    row.get_by_role("link", name="change the action on Liquid nitrogen storage").click()
    page.get_by_label("Done").check()
    page.get_by_label("Reason for the change (optional)").fill("Dewar delivered and commissioned")
    page.get_by_role("button", name="Save the action").click()
    expect(page.get_by_role("row", name="Liquid nitrogen storage")).to_contain_text(
        "No action planned"
    )
    action = GapAction.objects.get()
    assert action.status == "done"
    assert [h.history_change_reason for h in action.history.order_by("history_date")] == [
        "Action planned",
        "Dewar delivered and commissioned",
    ]
    page.goto(f"{live_server.url}/sites/{personas.site_a.pk}/actions/{action.pk}/")
    expect(page.get_by_text("Reason: Dewar delivered and commissioned")).to_be_visible()
    shoot(page, "action-edit-nojs", scripts=False)
    context.close()
