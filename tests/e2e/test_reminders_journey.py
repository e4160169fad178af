"""In Chromium: a coordinator chooses daily reminders on the account page (without JavaScript
too), and the digest they then receive renders as HTML whose links open each item's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, login
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory
from training import reminders

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/atmp-reminders-shots"


def shoot_and_check(page, name: str, *, scripts: bool) -> None:
    """A screenshot at 1280 and 320 px; with scripts, axe and nothing wider than the screen
    (both run in the page: Playwright cannot evaluate with JavaScript switched off)."""
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # the NHS.UK header re-lays its menu on resize
        if scripts:
            assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
            if page.url.startswith("http"):
                assert_accessible(page)
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_coordinator_chooses_daily_reminders_and_follows_a_link_in_the_digest(
    browser, live_server, personas, javascript
):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    user = personas.coordinator_a
    login(page, live_server, user)
    page.get_by_role("link", name="E-mail reminders").click()
    expect(page.get_by_label("Once a week, on Monday")).to_be_checked()
    shoot_and_check(page, f"account-reminders-{'js' if javascript else 'nojs'}", scripts=javascript)
    page.get_by_label("Every day").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Expiry reminders: Every day")).to_be_visible()
    user.refresh_from_db()
    assert user.expiry_digest == "daily"

    SiteCapabilityFactory(
        site=personas.site_a,
        evidence_expires_on=timezone.localdate() - dt.timedelta(days=2),
        capability=CapabilityFactory(name="Liquid nitrogen storage"),
    )
    SiteCapabilityFactory(
        site=personas.site_a,
        evidence_expires_on=timezone.localdate() + dt.timedelta(days=30),
        capability=CapabilityFactory(name="Cytotoxic spill kit"),
    )
    with override_settings(PORTAL_BASE_URL=live_server.url):
        reminders.expiry_digests_send(on=timezone.localdate(), frequencies=["daily"])
    [message] = [m for m in mail.outbox if m.to == [user.email]]
    # A blank page, as a mail client shows it (not under the portal's CSP, which would block
    # the e-mail's inline styles).
    inbox = context.new_page()
    inbox.set_content(message.alternatives[0][0])
    expect(inbox.get_by_role("heading", name="Expired")).to_be_visible()
    shoot_and_check(inbox, f"digest-email-{'js' if javascript else 'nojs'}", scripts=javascript)
    inbox.get_by_role("link", name="Liquid nitrogen storage").click()
    expect(inbox.get_by_role("heading", level=1)).to_have_text("Liquid nitrogen storage")
    context.close()
