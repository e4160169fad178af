"""The national overview in Chromium: the map's marks are named links, the sites table beside it
pages through every site, and axe finds nothing serious at 1280 and 320 px."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sites.models import Site, SiteCapability
from tests.e2e.conftest import assert_accessible, login
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory, SiteFactory
from tests.trials.factories import CapabilityRequirementFactory, RequirementProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "")) if os.environ.get("SCREENSHOT_DIR") else None


@pytest.fixture
def network(personas):
    """CAR-T core (LN2 storage); 60 sites across two regions, two in three with it in place."""
    ln2 = CapabilityFactory(name="Vapour-phase LN2 storage")
    profile = RequirementProfileFactory(code="car_t_core", name="CAR-T core")
    CapabilityRequirementFactory(profile=profile, capabilities=[ln2])
    for i in range(60):
        site = SiteFactory(
            name=f"Hospital {i:02d}",
            region=personas.north if i % 2 else personas.south,
            latitude=Decimal("51.0") + Decimal(i % 7),
            longitude=Decimal("-3.5") + Decimal(i % 5) / 2,
        )
        if i % 3:
            SiteCapabilityFactory(site=site, capability=ln2, status=SiteCapability.Status.IN_PLACE)
    return profile


def test_the_overview_pages_its_table_keeps_every_mark_and_is_accessible(
    page, live_server, personas, network, tmp_path
):
    total = Site.objects.count()
    login(page, live_server, personas.national)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/overview/?profile=car_t_core")
    expect(page.get_by_role("heading", name="Sites", exact=True)).to_be_visible()
    marks = page.locator("svg.app-map__svg a")
    assert marks.count() == 60  # every placed site, whatever the table's page
    expect(page.get_by_text(f"Sites 1 to 50 of {total}")).to_be_visible()
    assert_accessible(page)
    (SHOTS or tmp_path).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=(SHOTS or tmp_path) / "overview-1280.png", full_page=True)

    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text(f"Sites 51 to {total} of {total}")).to_be_visible()
    assert page.url.endswith("page=2#sites-table") and marks.count() == 60
    page.set_viewport_size({"width": 320, "height": 800})
    assert_accessible(page)
    page.screenshot(path=(SHOTS or tmp_path) / "overview-320.png", full_page=True)
    # A mark is a link to the site's gaps, named by its title.
    last = marks.last  # drawn last, so on top of any mark at the same place
    name = last.locator("title").text_content().split(":")[0]
    href = last.get_attribute("href")
    last.click()
    expect(page).to_have_url(f"{live_server.url}{href}")
    assert name in page.content()
