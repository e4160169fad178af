"""The site coordinator's journey in real Chromium: checklist with evidence, CSV import, conflict."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sites.models import Capability, SiteCapability
from tests.e2e.conftest import assert_accessible, login
from tests.sites.factories import PDF_BYTES, CapabilityFactory, MembershipFactory
from tests.training.factories import CourseFactory, StaffMemberFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    TrainingRequirementFactory,
    TrialFactory,
    TrialSiteFactory,
)
from training.models import TrainingRecord

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = "email,course_code,completed_on,expiry_override,notes\n"


@pytest.fixture
def trial_site(personas):
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
    course = CourseFactory(code="gcp", title="Good Clinical Practice", renewal_months=36)
    TrainingRequirementFactory(trial=trial, course=course)
    return trial, caps, course


def test_the_coordinator_marks_a_capability_in_place_and_the_score_rises(
    page, live_server, personas, trial_site, tmp_path
):
    _, caps, _ = trial_site
    login(page, live_server, personas.coordinator_a)
    site = personas.site_a
    page.goto(f"{live_server.url}/sites/{site.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Dashboard").click()
    row = page.locator("tr[data-readiness^='trial=']")
    expect(row.locator("[data-score]")).to_have_text("0%")
    assert_accessible(page)

    page.get_by_role("link", name="Readiness checklist").first.click()
    assert_accessible(page)
    page.locator(f"#item-{caps[0].pk} summary").click()  # the item opens in place (htmx)
    item = page.locator(f"#cap-{caps[0].pk}")
    expect(item.get_by_text("Needed by")).to_be_visible()
    item.get_by_label("In place", exact=True).check()
    page.get_by_role("heading", level=1).click()  # autosave when focus leaves the item
    expect(page.locator(f"#saved-{caps[0].pk}")).to_have_text(re.compile(r"Saved at \d\d:\d\d"))
    evidence = tmp_path / "ln2-sop.pdf"
    evidence.write_bytes(PDF_BYTES)
    item.get_by_label(re.compile("Add evidence")).set_input_files(str(evidence))
    expect(item.get_by_role("link", name="ln2-sop.pdf")).to_be_visible()
    assert_accessible(page)
    sc = SiteCapability.objects.get(site=site, capability=caps[0])
    assert sc.status == "in_place" and sc.evidence.count() == 1

    page.goto(f"{live_server.url}/sites/{site.pk}/dashboard/")
    expect(page.locator("tr[data-readiness^='trial='] [data-score]")).to_have_text("33%")
    assert_accessible(page)


def test_the_coordinator_imports_a_csv_fixes_a_bad_row_and_sees_the_matrix_change(
    page, live_server, personas, trial_site, tmp_path
):
    site = personas.site_a
    StaffMemberFactory(site=site, email="ann@nhs.example", full_name="Ann Nurse")
    login(page, live_server, personas.coordinator_a)
    page.goto(f"{live_server.url}/sites/{site.pk}/staff/matrix/")
    expect(page.locator("td").first).to_have_text("Missing")
    assert_accessible(page)

    page.goto(f"{live_server.url}/sites/{site.pk}/staff/")
    assert_accessible(page)
    page.get_by_role("link", name="Import training records from a CSV file").click()
    assert_accessible(page)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "ann@nhs.example,gcp,2025-01-10,,\nann@nhs.example,nope,2025-01-10,,\n")
    page.get_by_label("CSV file of training records").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("Row 3: There is no course with the code nope")).to_be_visible()
    assert "nothing has been imported" in page.content()
    assert_accessible(page)
    assert not TrainingRecord.objects.exists()

    page.get_by_role("link", name="Upload a corrected file").click()
    assert_accessible(page)
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "ann@nhs.example,gcp,2025-01-10,,\n")
    page.get_by_label("CSV file of training records").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    assert_accessible(page)
    page.get_by_role("button", name="Import 1 row").click()
    expect(page.get_by_role("heading", name="Training matrix")).to_be_visible()
    expect(page.locator("td").first).to_contain_text("Valid")
    assert_accessible(page)
    assert TrainingRecord.objects.count() == 1


def test_two_people_edit_the_same_item_and_the_second_gets_the_conflict(
    browser, live_server, personas, trial_site
):
    _, caps, _ = trial_site
    other = MembershipFactory(site=personas.site_a, user__email="coord2.a@nhs.example").user
    url = f"{live_server.url}/sites/{personas.site_a.pk}/checklist/{caps[0].pk}/"
    pages = []
    for user in (personas.coordinator_a, other):
        context = browser.new_context()
        page = context.new_page()
        login(page, live_server, user)
        page.goto(url)
        pages.append(page)
    first, second = pages
    assert_accessible(first)
    assert_accessible(second)
    first.get_by_label("Notes").fill("First person's note")
    first.get_by_role("button", name=re.compile("^Save")).click()
    expect(first.locator(f"#saved-{caps[0].pk}")).to_have_text(re.compile("Saved at"))

    second.get_by_label("Notes").fill("Second person's note")
    second.get_by_role("button", name=re.compile("^Save")).click()
    expect(second.get_by_text("Someone else changed this item")).to_be_visible()
    expect(second.get_by_label("Notes")).to_have_value("Second person's note")
    assert (
        "First person&#x27;s note" in second.content() or "First person's note" in second.content()
    )
    assert_accessible(second)
    assert SiteCapability.objects.get().notes == "First person's note"

    second.get_by_role("button", name=re.compile("^Save")).click()
    expect(second.locator(f"#saved-{caps[0].pk}")).to_have_text(re.compile("Saved at"))
    assert SiteCapability.objects.get().notes == "Second person's note"
    for page in pages:
        page.context.close()
