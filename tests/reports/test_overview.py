"""The national / regional overview, its exports, the blockers and trend API: scope, agreement
with the ranking and the national report, and constant query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from reports import ukmap
from reports.document import report_document
from reports.models import ReadinessReport
from reports.trend import month_ends
from sites.models import SiteCapability
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory, SiteFactory
from tests.trials.factories import CapabilityRequirementFactory, RequirementProfileFactory

pytestmark = pytest.mark.django_db
IN_PLACE = SiteCapability.Status.IN_PLACE


@pytest.fixture
def world(personas):
    """CAR-T core needs LN2 storage and apheresis. North: site A (both: ready) and Gamma
    (apheresis missing); South: site B (nothing)."""
    ln2 = CapabilityFactory(name="Vapour-phase LN2 storage")
    apheresis = CapabilityFactory(name="Clinical apheresis unit")
    profile = RequirementProfileFactory(code="car_t_core", name="CAR-T core")
    CapabilityRequirementFactory(profile=profile, capabilities=[ln2])
    CapabilityRequirementFactory(profile=profile, capabilities=[apheresis])
    gamma = SiteFactory(
        name="Gamma Hospital",
        region=personas.north,
        latitude=Decimal("54.98"),
        longitude=Decimal("-1.62"),
    )
    personas.site_a.latitude, personas.site_a.longitude = Decimal("53.8"), Decimal("-1.55")
    personas.site_a.save()
    for capability in (ln2, apheresis):
        SiteCapabilityFactory(site=personas.site_a, capability=capability, status=IN_PLACE)
    SiteCapabilityFactory(site=gamma, capability=ln2, status=IN_PLACE)
    return profile, gamma


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_regional_coordinator_sees_only_their_regions_everywhere(personas, world):
    client = personas.client_for(personas.network)  # North only
    html = client.get("/overview/?profile=car_t_core").content.decode()
    assert "Alpha Hospital" in html and "Gamma Hospital" in html
    assert "Beta Hospital" not in html and "South" not in html
    assert "1 of 2</strong> sites are ready" in html
    blockers = api(personas.network).get("/api/v1/readiness/blockers/?profile=car_t_core").json()
    assert blockers == [
        {
            "requirement": "Clinical apheresis unit",
            "kind": "capability",
            "sites_blocked": 1,
            "sites_assessed": 2,
        }
    ]
    trend = api(personas.network).get("/api/v1/readiness/trend/?profile=car_t_core").json()
    assert len(trend) == 12 and {p["sites"] for p in trend} == {2}
    # Another region is not there for them.
    assert client.get("/overview/?profile=car_t_core&region=SOUTH").status_code == 404
    assert (
        api(personas.network)
        .get("/api/v1/readiness/blockers/?profile=car_t_core&region=SOUTH")
        .status_code
        == 404
    )


def test_the_national_coordinator_sees_every_region(personas, world):
    html = personas.client_for(personas.national).get("/overview/?profile=car_t_core")
    html = html.content.decode()
    assert "Beta Hospital" in html and "1 of 3</strong> sites are ready" in html
    blockers = api(personas.national).get("/api/v1/readiness/blockers/?profile=car_t_core").json()
    assert [(b["requirement"], b["sites_blocked"]) for b in blockers] == [
        ("Clinical apheresis unit", 2),
        ("Vapour-phase LN2 storage", 1),
    ]


def test_overview_ranking_blockers_api_and_national_report_agree(personas, world):
    profile, _ = world
    today = timezone.localdate()
    html = personas.client_for(personas.national).get("/overview/?profile=car_t_core")
    ranking = api(personas.national).get("/api/v1/readiness/?profile=car_t_core").json()
    blockers = api(personas.national).get("/api/v1/readiness/blockers/?profile=car_t_core").json()
    report = ReadinessReport.objects.create(
        kind="national", profile=profile, as_of=today, requested_by=personas.national
    )
    document = report_document(report)

    overview = html.context["overview"]
    ranked = [(r["site"]["name"], r["ready"], r["blockers"]) for r in ranking["results"]]
    assert ranked == [(a.site.name, a.ready, a.blockers) for a in overview.assessments]
    assert ranked == [(a.site.name, a.ready, a.blockers) for a in document.assessments]
    assert document.totals["ready"] == overview.ready == 1
    assert sum(b["sites_blocked"] for b in blockers) == document.totals["blockers"]


def test_the_map_places_sites_by_their_coordinates_and_marks_ready_by_shape(personas, world):
    html = personas.client_for(personas.national).get("/overview/?profile=car_t_core")
    overview = html.context["overview"]
    marks = {m.assessment.site.name: m for m in overview.marks}
    assert set(marks) == {"Alpha Hospital", "Gamma Hospital"}  # Beta has no location
    assert marks["Gamma Hospital"].y < marks["Alpha Hospital"].y  # Newcastle is north of Leeds
    assert overview.unplaced == 1
    body = html.content.decode()
    # A ready circle and a not-ready diamond, each a link named by its title.
    assert body.count('href="#mark-ready"') == 1 and body.count('href="#mark-not-ready"') == 1
    assert "<title>Gamma Hospital: not ready, 1 blocker</title>" in body
    # Keyboard users can pass every mark's link at once.
    assert body.index("Skip the map's 2 site links") < body.index("<svg viewBox")
    assert f'<a href="/sites/{personas.site_a.pk}/readiness/?profile=car_t_core">' in body
    assert ukmap.outline() is not None, "build the front-end assets (make install)"


def test_the_projection_keeps_the_uk_inside_the_frame():
    for latitude, longitude in [(49.9, -6.3), (60.8, -0.8), (54.6, -5.9), (52.6, 1.7)]:
        x, y = ukmap.project(latitude, longitude)
        assert 0 <= x <= ukmap.WIDTH and 0 <= y <= ukmap.HEIGHT
    assert ukmap.project(55, -2)[1] < ukmap.project(51.5, -0.1)[1]


def test_month_ends_cover_twelve_months_ending_today():
    dates = month_ends(dt.date(2026, 3, 15))
    assert dates[0] == dt.date(2025, 4, 30) and dates[-2] == dt.date(2026, 2, 28)
    assert dates[-1] == dt.date(2026, 3, 15) and len(dates) == 12


def test_the_csv_exports_are_the_tables_shown(personas, world):
    client = personas.client_for(personas.national)
    content = client.get("/overview/blockers.csv?profile=car_t_core").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == ["requirement", "kind", "sites_blocked", "sites_assessed", "as_of"]
    assert rows[1][:4] == ["Clinical apheresis unit", "capability", "2", "3"]
    content = client.get("/readiness/ranking.csv?profile=car_t_core&region=NORTH")
    rows = list(csv.reader(io.StringIO(content.content.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["Alpha Hospital", "Gamma Hospital"]
    assert rows[1][4] == "ready" and rows[2][4] == "not ready"


@pytest.mark.parametrize("persona", ["coordinator_a", "pharmacist_a", "editor"])
def test_the_overview_is_for_network_coordinators(personas, world, persona):
    client = personas.client_for(getattr(personas, persona))
    for url in [
        "/overview/?profile=car_t_core",
        "/overview/blockers.csv?profile=car_t_core",
        "/readiness/ranking.csv?profile=car_t_core",
    ]:
        assert client.get(url).status_code == 404


def test_bad_api_input_names_the_parameter(personas, world):
    client = api(personas.national)
    assert "trial" in client.get("/api/v1/readiness/blockers/").json()
    assert "on" in client.get("/api/v1/readiness/trend/?profile=car_t_core&on=2026-01-01").json()
    assert client.get("/api/v1/readiness/blockers/?profile=nope").status_code == 404


# --- constant queries -----------------------------------------------------------------------------


def _grow(personas, world, n):
    profile, _ = world
    ln2 = profile.capability_requirements.first().capabilities.first()
    for i in range(n):
        site = SiteFactory(
            region=personas.north if i % 2 else personas.south,
            latitude=Decimal("52.0"),
            longitude=Decimal("-1.0"),
        )
        SiteCapabilityFactory(site=site, capability=ln2, status=IN_PLACE)


def _count(client, url) -> int:
    cache.clear()  # the requirement sets are built each time (catalogue_cache.py)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "url",
    [
        "/overview/?profile=car_t_core",
        "/api/v1/readiness/blockers/?profile=car_t_core",
        "/api/v1/readiness/trend/?profile=car_t_core",
    ],
)
def test_queries_do_not_grow_with_the_number_of_sites(personas, world, url):
    client = (
        personas.client_for(personas.national)
        if not url.startswith("/api")
        else api(personas.national)
    )
    _grow(personas, world, 3)
    small = _count(client, url)
    _grow(personas, world, 30)
    assert _count(client, url) == small


def test_the_trend_reads_what_was_recorded_at_each_month_end(personas):
    """In place in June, withdrawn in September: ready at the end of July, not at the end
    of October (docs/readiness.md, "Dates")."""
    london = ZoneInfo("Europe/London")
    ln2 = CapabilityFactory(name="Vapour-phase LN2 storage")
    profile = RequirementProfileFactory(code="ln2_only", name="LN2 only")
    CapabilityRequirementFactory(profile=profile, capabilities=[ln2])
    with time_machine.travel(dt.datetime(2026, 6, 10, 12, tzinfo=london), tick=False):
        item = SiteCapabilityFactory(site=personas.site_a, capability=ln2, status=IN_PLACE)
    with time_machine.travel(dt.datetime(2026, 9, 15, 12, tzinfo=london), tick=False):
        item.status = SiteCapability.Status.NOT_IN_PLACE
        item.save()
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=london), tick=False):
        trend = api(personas.network).get("/api/v1/readiness/trend/?profile=ln2_only").json()
    ready = {point["date"]: point["ready"] for point in trend}
    assert ready["2026-05-31"] == 0
    assert ready["2026-07-31"] == 1
    assert ready["2026-10-31"] == 0
    assert ready["2026-12-01"] == 0


def test_the_ranking_searches_filters_and_sorts_and_the_csv_follows(personas, world):
    _, gamma = world
    gamma.attc = "na_attc"
    gamma.save()
    client = personas.client_for(personas.national)
    base = "/readiness/?profile=car_t_core"

    def names(query):
        return [a.site.name for a in client.get(base + query).context["ranked"]]

    assert names("") == ["Alpha Hospital", "Gamma Hospital", "Beta Hospital"]
    assert names("&q=gam") == ["Gamma Hospital"]
    assert names("&q=RAA") == ["Alpha Hospital"]
    assert names("&attc=na_attc") == ["Gamma Hospital"]
    assert names("&ready=on") == ["Alpha Hospital"]
    assert names("&sort=name") == ["Alpha Hospital", "Beta Hospital", "Gamma Hospital"]
    content = client.get("/readiness/ranking.csv?profile=car_t_core&sort=name&q=a")
    rows = list(csv.reader(io.StringIO(content.content.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["Alpha Hospital", "Beta Hospital", "Gamma Hospital"]


def test_the_sites_table_is_paged_in_ranking_order_while_the_map_shows_every_site(
    personas, world, monkeypatch
):
    monkeypatch.setattr("reports.views.overview.OVERVIEW_PAGE_SIZE", 2)
    client = personas.client_for(personas.national)
    first = client.get("/overview/?profile=car_t_core")
    assert [a.site.name for a in first.context["sites_page"]] == [
        "Alpha Hospital",
        "Gamma Hospital",
    ]
    body = first.content.decode()
    assert "Sites 1 to 2 of 3" in body
    assert 'href="?profile=car_t_core&amp;page=2#sites-table"' in body
    second = client.get("/overview/?profile=car_t_core&page=2")
    assert [a.site.name for a in second.context["sites_page"]] == ["Beta Hospital"]
    # The map is the same on every page, and no link carries the page.
    assert second.content.decode().count("<use href=") == body.count("<use href=") == 2
    assert "page=2&amp;" not in second.content.decode()
    assert client.get("/overview/?profile=car_t_core&page=nope").status_code == 200
