"""Issue 15's journey in real Chromium: from a blocker on the dashboard, one click to the item; fix
it (evidence, expiry, reason) and the blocker leaves the trial's readiness; then plan an action on
the other blocker and the dashboard's forecast moves to its target date. Each page passes axe at
1280 and 320 px and is no wider than the viewport at 320 px."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from sites.models import Capability, SiteCapability
from tests.e2e.conftest import assert_accessible, fill_date, login
from tests.sites.factories import PDF_BYTES, CapabilityFactory
from tests.training.factories import CourseFactory, StaffMemberFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    TrainingRequirementFactory,
    TrialFactory,
    TrialSiteFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trial(personas):
    trial = TrialFactory(short_title="ORION-19")
    TrialSiteFactory(trial=trial, site=personas.site_a)
    caps = [
        CapabilityFactory(
            code="ln2", name="Liquid nitrogen storage", category=Capability.Category.STORAGE
        ),
        CapabilityFactory(code="icu", name="ICU cover", category=Capability.Category.CLINICAL),
    ]
    for cap in caps:
        CapabilityRequirementFactory(trial=trial, capabilities=[cap])
    StaffMemberFactory(site=personas.site_a, full_name="Ann Nurse")
    return trial, caps


def check_page(page) -> None:
    """axe at 1280 px and at 320 px, and nothing wider than a 320 px screen."""
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    page.wait_for_timeout(400)  # the NHS.UK header re-lays its menu on resize, debounced
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, page.url
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_from_a_blocker_to_its_fix_and_an_action_that_moves_the_forecast(
    page, live_server, personas, trial, tmp_path
):
    _, (ln2, icu) = trial
    site = personas.site_a
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, personas.coordinator_a)
    page.goto(f"{live_server.url}/sites/{site.pk}/dashboard/")
    blockers = page.locator(f"[data-blockers='trial={trial[0].pk}']")
    expect(blockers.get_by_role("link", name="Liquid nitrogen storage", exact=True)).to_be_visible()
    expect(page.locator("[data-forecast]")).to_have_text(
        "Not forecastable: 2 blockers have no action."
    )
    check_page(page)

    # One click to the item that closes the blocker; it says which trial needs it.
    blockers.get_by_role("link", name="Liquid nitrogen storage", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Liquid nitrogen storage")
    expect(page.get_by_text("ORION-19 (trial, mandatory):")).to_be_visible()
    check_page(page)

    item = page.locator(f"#cap-{ln2.pk}")
    item.get_by_label("In place", exact=True).check()
    fill_date(item, "Evidence expires on", dt.date(2030, 1, 31))
    item.get_by_label("Reason for the change (optional)").fill("Dewar audit passed")
    evidence = tmp_path / "ln2-sop.pdf"
    evidence.write_bytes(PDF_BYTES)
    item.get_by_label(re.compile("Add evidence")).set_input_files(str(evidence))
    expect(item.get_by_role("link", name="ln2-sop.pdf")).to_be_visible()
    page.get_by_role("heading", level=1).click()  # leave the item: everything is saved
    expect(item.get_by_text("Reason: Dewar audit passed")).to_be_attached()
    sc = SiteCapability.objects.get(site=site, capability=ln2)
    assert (sc.status, sc.evidence_expires_on, sc.evidence.count()) == (
        "in_place",
        dt.date(2030, 1, 31),
        1,
    )
    [entry] = sc.history.all()
    assert entry.history_change_reason == "Dewar audit passed"
    check_page(page)

    # The blocker is gone from the trial's readiness.
    page.goto(f"{live_server.url}/sites/{site.pk}/readiness/?trial={trial[0].pk}")
    gaps = page.locator("table", has_text="Capability gaps")
    expect(gaps).to_contain_text("ICU cover")
    expect(gaps).not_to_contain_text("Liquid nitrogen storage")

    # An action with a target date on the other blocker: the forecast moves to that date.
    page.goto(f"{live_server.url}/sites/{site.pk}/dashboard/")
    page.get_by_role("link", name="Add an action for ICU cover").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an action")
    page.get_by_role("button", name="Add the action").click()  # nothing filled: errors
    expect(page.get_by_text("Select who owns this action").first).to_be_visible()
    expect(page.get_by_text("Enter the target date").first).to_be_visible()
    check_page(page)
    page.get_by_label("Owner").select_option(label="Ann Nurse (site staff)")
    fill_date(page, "Target date", dt.date(2027, 3, 31))
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator("[data-forecast]")).to_have_text(
        "Ready by 31 March 2027 if the open actions are completed."
    )
    expect(page.locator("#action-plan + p")).to_contain_text("1 open action, 0 overdue")
    check_page(page)


def test_the_coordinators_pages_fit_320_px_and_pass_axe(page, live_server, personas, trial):
    site = personas.site_a
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, personas.coordinator_a)
    for path in (
        f"/sites/{site.pk}/readiness/",
        f"/sites/{site.pk}/readiness/?trial={trial[0].pk}",
        f"/sites/{site.pk}/staff/",
        f"/sites/{site.pk}/checklist/",
        f"/sites/{site.pk}/checklist/?status=not_recorded&q=cover",
        f"/sites/{site.pk}/actions/",
        f"/sites/{site.pk}/actions/new/",
        f"/sites/{site.pk}/dashboard/?kind=training",
    ):
        page.goto(f"{live_server.url}{path}")
        check_page(page)


def test_the_training_matrix_and_import_pages_fit_320_px_and_pass_axe(
    page, live_server, personas, trial, tmp_path
):
    site = personas.site_a
    course = CourseFactory(code="apheresis-handling", title="Apheresis handling for CAR-T")
    TrainingRequirementFactory(trial=trial[0], course=course, role="RESEARCH_NURSE")
    StaffMemberFactory(site=site, full_name="Rita Nurse", roles=["RESEARCH_NURSE"])
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, personas.coordinator_a)
    page.goto(f"{live_server.url}/sites/{site.pk}/staff/matrix/")
    expect(page.get_by_text("Not required", exact=True)).to_have_count(1)
    page.screenshot(path=tmp_path / "matrix-1280.png", full_page=True)
    check_page(page)
    page.set_viewport_size({"width": 320, "height": 800})
    page.screenshot(path=tmp_path / "matrix-320.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/sites/{site.pk}/staff/import/")
    expect(page.get_by_role("cell", name="apheresis-handling", exact=True)).to_be_visible()
    page.screenshot(path=tmp_path / "import-1280.png", full_page=True)
    check_page(page)
    page.set_viewport_size({"width": 320, "height": 800})
    page.screenshot(path=tmp_path / "import-320.png", full_page=True)
