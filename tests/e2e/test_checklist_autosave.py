"""Checklist autosave in real Chromium: one edit, one history entry with its reason; arrows write nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from sites.models import Capability, SiteCapability
from tests.e2e.conftest import assert_accessible, fill_date, login
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cap(personas):
    return CapabilityFactory(
        code="ln2", name="Liquid nitrogen storage", category=Capability.Category.STORAGE
    )


def _open(page, live_server, personas, cap):
    login(page, live_server, personas.coordinator_a)
    page.goto(f"{live_server.url}/sites/{personas.site_a.pk}/checklist/{cap.pk}/")
    return page.locator(f"#cap-{cap.pk}")


def test_an_autosaved_edit_with_a_reason_records_one_entry_carrying_the_reason(
    page, live_server, personas, cap
):
    item = _open(page, live_server, personas, cap)
    item.get_by_label("In place", exact=True).check()
    fill_date(item, "Evidence expires on", dt.date(2030, 1, 31))
    page.get_by_role("heading", level=1).click()  # focus leaves the item: it saves
    saved = page.locator(f"#saved-{cap.pk}")
    expect(saved).to_have_text(re.compile(r"Saved at \d\d:\d\d"))
    # The reason is typed after the change was saved, as a user often does.
    item.get_by_label("Reason for the change (optional)").fill("Dewar audit passed")
    page.get_by_role("heading", level=1).click()
    expect(item.get_by_text("Reason: Dewar audit passed")).to_be_attached()
    assert_accessible(page)

    sc = SiteCapability.objects.get(site=personas.site_a, capability=cap)
    assert (sc.status, sc.evidence_expires_on) == ("in_place", dt.date(2030, 1, 31))
    [entry] = sc.history.all()
    assert entry.history_change_reason == "Dewar audit passed"
    assert entry.history_user == personas.coordinator_a


def test_arrow_keys_in_the_status_radios_change_nothing_until_the_choice_is_made(
    page, live_server, personas, cap
):
    sc = SiteCapabilityFactory(site=personas.site_a, capability=cap, status="not_in_place")
    history = sc.history.count()
    item = _open(page, live_server, personas, cap)
    item.get_by_label("Not in place", exact=True).focus()
    # Not in place -> In progress -> Not in place -> In progress -> In place
    for key in ("ArrowUp", "ArrowDown", "ArrowUp", "ArrowUp"):
        page.keyboard.press(key)
    page.wait_for_timeout(1500)  # longer than the old autosave delay (600 ms)
    sc.refresh_from_db()
    assert (sc.status, sc.version, sc.history.count()) == ("not_in_place", 1, history)

    page.keyboard.press("Tab")  # the choice is made: focus leaves the radios...
    page.get_by_role("heading", level=1).click()  # ...and the item
    expect(page.locator(f"#saved-{cap.pk}")).to_have_text(re.compile("Saved at"))
    sc.refresh_from_db()
    assert (sc.status, sc.version, sc.history.count()) == ("in_place", 2, history + 1)
