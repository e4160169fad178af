"""Feasibility ranking: the page and GET /api/v1/readiness/."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.api import readiness as api
from reports.views import readiness as views
from sites.models import Capability, Site, SiteCapability
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory, SiteFactory
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
    TrialSiteFactory,
)
from trials.models import RequirementProfile, Trial

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 15)
# When the scenarios' checklists and training are recorded: ON is in the past, and a past date
# reads what was recorded by then (docs/readiness.md, "Dates").
RECORDED = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
RANKING = "/readiness/"
API_RANKING = "/api/v1/readiness/"


@dataclass
class Scenario:
    profile: RequirementProfile
    trial: Trial
    ln2: Capability
    gmo: Capability


def build_scenario(personas) -> Scenario:
    """CAR-T core: LN2 storage and GMO containment (mandatory) and GCP for one pharmacist.

    Site A meets everything (its LN2 evidence expires in 30 days); site B meets nothing.
    The trial inherits the profile and is run at site A only.
    """
    with time_machine.travel(RECORDED, tick=False):  # before ON, so ON reads it from the history
        ln2 = CapabilityFactory(code="ln2_storage", name="LN2 storage")
        gmo = CapabilityFactory(code="gmo_containment", name="GMO containment")
        course = CourseFactory(code="gcp", title="GCP", renewal_months=24)
        profile = RequirementProfileFactory(code="cart-core", name="CAR-T core")
        CapabilityRequirementFactory(profile=profile, capabilities=[ln2])
        CapabilityRequirementFactory(profile=profile, capabilities=[gmo])
        TrainingRequirementFactory(profile=profile, course=course, role="TRIAL_PHARM")
        trial = TrialFactory(short_title="CARTITUDE-X")
        trial.profiles.add(profile)
        TrialSiteFactory(trial=trial, site=personas.site_a)
        SiteCapabilityFactory(
            site=personas.site_a, capability=ln2, evidence_expires_on=ON + dt.timedelta(days=30)
        )
        SiteCapabilityFactory(site=personas.site_a, capability=gmo)
        staff = StaffMemberFactory(
            site=personas.site_a, full_name="A. Patel", roles=["TRIAL_PHARM"]
        )
        TrainingRecordFactory(staff=staff, course=course, completed_on=ON - dt.timedelta(days=100))
        SiteCapabilityFactory(
            site=personas.site_b, capability=gmo, status=SiteCapability.Status.IN_PROGRESS
        )
    return Scenario(profile, trial, ln2, gmo)


def add_sites(n: int, region, scenario: Scenario) -> list[Site]:
    """More sites with checklist rows and trained staff, to prove costs do not grow."""
    sites = []
    for i in range(n):
        with time_machine.travel(RECORDED, tick=False):
            site = SiteFactory(region=region)
            SiteCapabilityFactory(
                site=site,
                capability=scenario.ln2,
                evidence_expires_on=ON + dt.timedelta(days=10 * i),
            )
            if i % 2:
                SiteCapabilityFactory(site=site, capability=scenario.gmo)
            staff = StaffMemberFactory(site=site, roles=["TRIAL_PHARM"])
            TrainingRecordFactory(
                staff=staff, course__code="gcp", completed_on=ON - dt.timedelta(days=20 * i)
            )
        sites.append(site)
    return sites


@pytest.fixture
def scenario(personas) -> Scenario:
    return build_scenario(personas)


# --- page -------------------------------------------------------------------------------------


def test_it_asks_for_a_trial_or_profile_before_ranking(personas, scenario):
    response = personas.client_for(personas.network).get(RANKING)
    assert response.status_code == 200
    assert b"Choose a trial or a requirement profile to see the ranking." in response.content
    assert response.context["ranked"] == []


def test_it_demands_sign_in(client):
    response = client.get(RANKING)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_ranks_only_the_sites_a_network_coordinator_covers(personas, scenario):
    north_extra = SiteFactory(name="Another North Hospital", region=personas.north)

    response = personas.client_for(personas.network).get(
        RANKING, {"trial": scenario.trial.pk, "on": ON.isoformat()}
    )

    assert response.status_code == 200
    ranked = response.context["ranked"]
    assert [a.site.pk for a in ranked] == [personas.site_a.pk, north_extra.pk]
    content = response.content.decode()
    assert "Beta Hospital" not in content
    assert ranked[0].ready and ranked[0].score == 1.0 and ranked[0].expiring == 1
    link = reverse("reports:site-readiness", args=[personas.site_a.pk])
    assert f'href="{link}?trial={scenario.trial.pk}&amp;on=2026-03-15"' in content


def test_it_ranks_every_site_for_a_national_coordinator(personas, scenario):
    response = personas.client_for(personas.national).get(
        RANKING, {"profile": "cart-core", "on": ON.isoformat()}
    )
    ranked = response.context["ranked"]
    assert [a.site.name for a in ranked] == ["Alpha Hospital", "Beta Hospital"]
    assert [(a.ready, a.blockers) for a in ranked] == [(True, 0), (False, 3)]


def test_it_filters_the_ranking_by_region(personas, scenario):
    response = personas.client_for(personas.national).get(
        RANKING, {"profile": "cart-core", "region": "SOUTH"}
    )
    assert [a.site.pk for a in response.context["ranked"]] == [personas.site_b.pk]


def test_it_shows_a_bad_date_next_to_the_field(personas, scenario):
    response = personas.client_for(personas.network).get(
        RANKING, {"trial": scenario.trial.pk, "on": "2026-3-31"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert 'href="#id_on-day"' in content
    assert 'id="id_on-error"' in content
    assert views.BAD_DATE in content
    assert response.context["ranked"] == []


def test_it_refuses_a_trial_and_a_profile_together(personas, scenario):
    response = personas.client_for(personas.network).get(
        RANKING, {"trial": scenario.trial.pk, "profile": "cart-core"}
    )
    assert response.status_code == 200
    assert views.BOTH_CHOSEN in response.content.decode()
    assert response.context["ranked"] == []


@pytest.mark.parametrize("query", [{"trial": "999999"}, {"trial": "abc"}, {"profile": "nope"}])
def test_it_404s_for_an_unknown_trial_or_profile(personas, scenario, query):
    response = personas.client_for(personas.network).get(RANKING, query)
    assert response.status_code == 404


def test_it_404s_for_a_trial_the_user_may_not_see(personas, scenario):
    response = personas.client_for(personas.coordinator_b).get(
        RANKING, {"trial": scenario.trial.pk}
    )
    assert response.status_code == 404


def test_it_ranks_only_their_own_site_for_a_site_coordinator(personas, scenario):
    response = personas.client_for(personas.coordinator_b).get(RANKING, {"profile": "cart-core"})
    assert [a.site.pk for a in response.context["ranked"]] == [personas.site_b.pk]


def test_it_shows_the_readiness_link_in_the_header(personas):
    for user in (personas.network, personas.coordinator_a):
        response = personas.client_for(user).get("/")
        assert f'href="{RANKING}"' in response.content.decode()
    response = personas.client_for(personas.editor).get("/")
    assert f'href="{RANKING}"' not in response.content.decode()


def ranking_queries(user, query) -> int:
    request = RequestFactory().get(RANKING, query)
    request.user = user
    with CaptureQueriesContext(connection) as captured:
        response = views.ranking(request)
    assert response.status_code == 200
    return len(captured)


def test_the_ranking_page_costs_the_same_few_queries_for_one_site_and_fifty(personas, scenario):
    query = {"profile": "cart-core", "on": ON.isoformat()}
    client = personas.client_for(personas.network)
    cache.clear()  # the requirement sets are built each time (catalogue_cache.py)
    with CaptureQueriesContext(connection) as small:
        assert client.get(RANKING, query).context["ranked"][0].site.pk == personas.site_a.pk
    view_small = ranking_queries(personas.network, query)

    add_sites(49, personas.north, scenario)
    cache.clear()  # the requirement sets are built each time (catalogue_cache.py)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(RANKING, query).context["ranked"]) == 50
    view_large = ranking_queries(personas.network, query)

    assert len(small) == len(large)
    assert view_small == view_large <= 10


# --- API --------------------------------------------------------------------------------------


def test_the_api_ranks_sites_with_the_documented_shape(personas, scenario):
    response = personas.client_for(personas.national).get(
        API_RANKING, {"trial": scenario.trial.pk, "on": ON.isoformat()}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["results"][0] == {
        "site": {
            "id": personas.site_a.pk,
            "name": "Alpha Hospital",
            "ods_code": "RAA",
            "region": "NORTH",
        },
        "score": 1.0,
        "ready": True,
        "blockers": 0,
        "warnings": 0,
        "expiring": 1,
    }
    assert body["results"][1]["site"]["ods_code"] == "RBB"
    assert body["results"][1]["score"] == 0.0
    assert body["results"][1]["ready"] is False


def test_the_api_ranks_only_north_sites_for_the_north_coordinator(personas, scenario):
    add_sites(3, personas.south, scenario)
    response = personas.client_for(personas.network).get(API_RANKING, {"profile": "cart-core"})
    regions = {row["site"]["region"] for row in response.json()["results"]}
    assert regions == {"NORTH"}


def test_the_api_paginates_the_ranking(personas, scenario):
    add_sites(4, personas.north, scenario)
    response = personas.client_for(personas.national).get(
        API_RANKING, {"profile": "cart-core", "page_size": 2, "page": 2}
    )
    body = response.json()
    assert body["count"] == 6
    assert len(body["results"]) == 2
    assert body["previous"] and body["next"]


def test_the_api_filters_by_region(personas, scenario):
    response = personas.client_for(personas.national).get(
        API_RANKING, {"profile": "cart-core", "region": "SOUTH"}
    )
    assert [row["site"]["ods_code"] for row in response.json()["results"]] == ["RBB"]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({}, {"trial": [api.NEITHER_SET], "profile": [api.NEITHER_SET]}),
        (
            {"trial": "1", "profile": "cart-core"},
            {"trial": [api.BOTH_SETS], "profile": [api.BOTH_SETS]},
        ),
        ({"profile": "cart-core", "on": "2026-02-30"}, {"on": [api.BAD_DATE]}),
        ({"profile": "cart-core", "on": "tomorrow"}, {"on": [api.BAD_DATE]}),
        ({"trial": "abc"}, {"trial": [api.BAD_TRIAL]}),
    ],
    ids=["neither", "both", "impossible date", "not a date", "trial not a number"],
)
def test_the_api_names_the_bad_parameter(personas, scenario, query, errors):
    response = personas.client_for(personas.network).get(API_RANKING, query)
    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize(
    "query",
    [{"trial": "999999"}, {"profile": "no-such-profile"}, {"profile": "cart-core", "region": "XX"}],
    ids=["unknown trial", "unknown profile", "unknown region"],
)
def test_the_api_404s_for_unknown_things(personas, scenario, query):
    response = personas.client_for(personas.network).get(API_RANKING, query)
    assert response.status_code == 404


def test_the_api_404s_for_a_region_out_of_scope(personas, scenario):
    response = personas.client_for(personas.network).get(
        API_RANKING, {"profile": "cart-core", "region": "SOUTH"}
    )
    assert response.status_code == 404


def test_the_api_404s_for_a_trial_out_of_scope(personas, scenario):
    response = personas.client_for(personas.coordinator_b).get(
        API_RANKING, {"trial": scenario.trial.pk}
    )
    assert response.status_code == 404


def test_the_api_demands_authentication(client, scenario):
    response = client.get(API_RANKING, {"profile": "cart-core"})
    assert response.status_code in (401, 403)


def test_the_api_ranking_costs_the_same_queries_for_one_site_and_fifty(personas, scenario):
    client = personas.client_for(personas.network)
    query = {"profile": "cart-core", "on": ON.isoformat()}
    cache.clear()  # the requirement sets are built each time (catalogue_cache.py)
    with CaptureQueriesContext(connection) as small:
        assert client.get(API_RANKING, query).json()["count"] == 1
    add_sites(49, personas.north, scenario)
    cache.clear()  # the requirement sets are built each time (catalogue_cache.py)
    with CaptureQueriesContext(connection) as large:
        assert client.get(API_RANKING, query).json()["count"] == 50
    assert len(small) == len(large)
