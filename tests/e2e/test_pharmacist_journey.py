"""A pharmacist finds thaw guidance and confirms reading it; a new version asks for a re-read."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail

from guidance.models import Acknowledgement
from tests.e2e.conftest import assert_accessible, fill_date, login
from tests.guidance.factories import publish_guidance

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_a_pharmacist_reads_guidance_and_is_asked_to_reread_after_version_2(
    page, live_server, personas, eager
):
    publish_guidance(
        editor=personas.editor,
        slug="thawing",
        title="Thawing a cryopreserved cell product",
        summary="Thaw only when the patient is fit for infusion.",
        body="## Before you thaw\n\nConfirm the patient is fit.\n\nNever irradiate the product.",
        topics=["thaw_reconstitution"],
        section="clinical_operational",
    )
    publish_guidance(
        editor=personas.editor,
        slug="receipt",
        title="Receiving a dry shipper",
        body="Do not thaw the product at receipt.",
        topics=["receipt"],
    )

    # The pharmacist searches, opens the top result and confirms reading it.
    login(page, live_server, personas.pharmacist_a)
    page.goto(f"{live_server.url}/guidance/")
    assert_accessible(page)
    page.get_by_label("Search guidance").fill("thaw")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert page.locator("mark").first.inner_text().lower().startswith("thaw")
    assert_accessible(page)
    page.locator(".app-search-results a").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Thawing a cryopreserved cell product"
    )
    assert_accessible(page)
    page.get_by_role("button", name="I have read this version").click()
    page.wait_for_load_state()
    assert "You have confirmed that you read version 1." in page.content()
    assert_accessible(page)
    assert Acknowledgement.objects.filter(user=personas.pharmacist_a).count() == 1
    sign_out(page)

    # An editor publishes version 2 through the editor pages.
    login(page, live_server, personas.editor)
    page.goto(f"{live_server.url}/guidance/editor/")
    assert_accessible(page)
    page.get_by_role("link", name="Thawing a cryopreserved cell product").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("link", name="Start a new draft").click()
    page.wait_for_load_state()
    page.get_by_label("Guidance text").fill(
        "## Before you thaw\n\nConfirm the patient is fit.\n\n"
        "Never irradiate or filter the product."
    )
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    assert "Never irradiate or filter the product." in page.locator(".nhsuk-card").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_load_state()
    assert_accessible(page)
    today = dt.date.today()
    page.get_by_label("What changed").fill("Do not filter the product either.")
    fill_date(page, "Effective from", today)
    fill_date(page, "Review due", today.replace(year=today.year + 1))
    # A changed step: readers of version 1 must read version 2.
    page.get_by_label("Yes: the guidance changed").check()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    assert "Version 2 published." in page.content()
    assert_accessible(page)
    sign_out(page)

    # The pharmacist gets one e-mail (locmem backend) with the change note and a link to it.
    [message] = [m for m in mail.outbox if m.to == [personas.pharmacist_a.email]]
    assert "Do not filter the product either." in message.body
    link = re.search(r"http\S+/guidance/thawing/", message.body).group(0)
    assert link.startswith(settings.PORTAL_BASE_URL.rstrip("/"))
    link = live_server.url + link[len(settings.PORTAL_BASE_URL.rstrip("/")) :]

    login(page, live_server, personas.pharmacist_a)
    page.goto(f"{live_server.url}/")
    assert "Guidance to read again" in page.content()
    assert_accessible(page)
    page.goto(f"{live_server.url}/guidance/?q=thaw")
    assert "Re-read needed" in page.locator(".app-search-results").inner_text()
    assert_accessible(page)
    page.goto(f"{live_server.url}/guidance/acknowledgements/")
    page.wait_for_load_state()
    assert "Must re-read" in page.content()
    assert_accessible(page)
    page.goto(link)
    assert "Re-read needed" in page.content()
    # The change note, then the words that changed, all above the button.
    note = page.get_by_text("Do not filter the product either.").first.bounding_box()
    added = page.locator(".app-diff ins").first
    assert "or filter" in added.inner_text()
    button = page.get_by_role("button", name="I have read this version")
    assert note["y"] < added.bounding_box()["y"] < button.bounding_box()["y"]
    assert added.evaluate("e => getComputedStyle(e).textDecorationLine") == "none"
    assert_accessible(page)
    button.click()
    page.wait_for_load_state()
    assert "You have confirmed that you read version 2." in page.content()
    assert_accessible(page)
    assert Acknowledgement.objects.filter(user=personas.pharmacist_a).count() == 2
    page.goto(f"{live_server.url}/guidance/thawing/versions/1/")
    assert "Superseded version" in page.content()
    assert_accessible(page)
