"""The guidance editor's pages in real Chromium: the capability and course link editor (grouped,
filtered by typing with htmx and by its Filter button without JavaScript) and the publish page's
re-read choice. Each passes axe at 1280 and 320 px and is no wider than a 320 px screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guidance import services
from guidance.models import GuidanceDocument
from tests.e2e.conftest import assert_accessible, login
from tests.guidance.factories import publish_guidance
from tests.sites.factories import CapabilityFactory
from tests.training.factories import CourseFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Set GUIDANCE_SCREENSHOTS=<folder> to keep the screenshots (they are looked at, not compared).
SHOTS = os.environ.get("GUIDANCE_SCREENSHOTS")


def _check(page, name: str) -> None:
    assert_accessible(page)
    if SHOTS:
        page.screenshot(path=Path(SHOTS) / f"{name}-1280.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    page.wait_for_timeout(400)  # the NHS.UK header re-lays its menu on resize, debounced
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, page.url
    assert_accessible(page)
    if SHOTS:
        page.screenshot(path=Path(SHOTS) / f"{name}-320.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def catalogue():
    CapabilityFactory(
        code="ln2_vapour_storage",
        name="Vapour-phase LN2 storage",
        category="storage",
        description="Liquid nitrogen dewar or cryostore.",
    )
    CapabilityFactory(
        code="o2_depletion_monitoring",
        name="Oxygen-depletion alarms",
        category="storage",
        description="Fixed O2 sensors where LN2 is kept.",
    )
    CapabilityFactory(
        code="gmo_spill_kits",
        name="GMO spill kits and procedure",
        category="logistics",
        description="Spill kits wherever GMO is handled.",
    )
    CapabilityFactory(
        code="named_atmp_pharmacist",
        name="Named ATMP pharmacist",
        category="workforce",
        description="A named lead pharmacist.",
    )
    CourseFactory(code="cryogen_safety", title="Safe use of liquid nitrogen")
    CourseFactory(code="spill_response", title="Biological and GMO spill management")


def test_the_link_editor_groups_filters_and_saves(page, live_server, personas, catalogue):
    publish_guidance(editor=personas.editor, title="Keeping ATMPs in LN2", slug="ln2")
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, personas.editor)
    page.goto(f"{live_server.url}/guidance/editor/ln2/supports/")
    expect(page.get_by_role("group", name="Storage")).to_be_visible()
    expect(page.get_by_role("group", name="Logistics")).to_be_visible()
    _check(page, "guidance-supports")
    page.get_by_label("Vapour-phase LN2 storage").check()
    # Typing filters the list in place (htmx) and keeps the tick.
    page.get_by_label("Filter by name").fill("spill")
    expect(page.get_by_label("Named ATMP pharmacist")).to_have_count(0)
    expect(page.get_by_label("GMO spill kits and procedure")).to_be_visible()
    expect(page.get_by_label("Vapour-phase LN2 storage")).to_be_checked()
    page.get_by_label("Biological and GMO spill management").check()
    _check(page, "guidance-supports-filtered")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Capabilities and courses saved.")).to_be_visible()
    document = GuidanceDocument.objects.get(slug="ln2")
    assert set(document.capabilities.values_list("code", flat=True)) == {"ln2_vapour_storage"}
    assert set(document.courses.values_list("code", flat=True)) == {"spill_response"}


def test_the_link_editor_filters_without_javascript(browser, live_server, personas, catalogue):
    publish_guidance(editor=personas.editor, title="Keeping ATMPs in LN2", slug="ln2")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    login(page, live_server, personas.editor)
    page.goto(f"{live_server.url}/guidance/editor/ln2/supports/")
    page.get_by_label("Oxygen-depletion alarms").check()
    page.get_by_label("Filter by name").fill("nitrogen")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    expect(page.get_by_label("Vapour-phase LN2 storage")).not_to_be_checked()
    expect(page.get_by_label("Oxygen-depletion alarms")).to_be_checked()  # ticked stays listed
    expect(page.get_by_label("Named ATMP pharmacist")).to_have_count(0)
    page.get_by_label("Vapour-phase LN2 storage").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Capabilities and courses saved." in page.content()
    document = GuidanceDocument.objects.get(slug="ln2")
    assert set(document.capabilities.values_list("code", flat=True)) == {
        "ln2_vapour_storage",
        "o2_depletion_monitoring",
    }
    context.close()


def test_the_publish_page_asks_whether_readers_must_re_read(page, live_server, personas):
    v1 = publish_guidance(editor=personas.editor, title="Thawing", slug="thawing")
    services.draft_create(
        document=v1.document,
        user=personas.editor,
        title="Thawing",
        summary="S",
        body_markdown="Thaw within 30 minutes.",
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, personas.editor)
    page.goto(f"{live_server.url}/guidance/editor/thawing/publish/")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Choose whether readers of the current version must read this one"
    )
    _check(page, "guidance-publish-errors")


def test_a_reader_of_version_1_stays_read_after_a_version_that_needs_no_re_read(
    page, live_server, personas
):
    v1 = publish_guidance(editor=personas.editor, title="Thawing", slug="thawing")
    services.acknowledgement_record(version=v1, user=personas.pharmacist_a)
    publish_guidance(
        document=v1.document,
        editor=personas.editor,
        title="Thawing",
        body="Some guidance, typo fixed.",
        change_note="Typo fixed.",
        needs_reread=False,
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, personas.pharmacist_a)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("Guidance to read again")).to_have_count(0)
    page.goto(f"{live_server.url}/guidance/thawing/")
    expect(page.get_by_text("You confirmed you read version 1")).to_be_visible()
    expect(page.get_by_text("Version 2 needs no re-read")).to_be_visible()
    expect(page.get_by_role("button", name="I have read this version")).to_have_count(0)
    _check(page, "guidance-no-reread")
