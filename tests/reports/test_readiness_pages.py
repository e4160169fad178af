"""Site readiness: the page /sites/<id>/readiness/ and GET /api/v1/sites/{id}/readiness/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.api import readiness as api
from reports.views import readiness as views
from tests.reports.test_ranking import ON, Scenario, add_sites, build_scenario
from tests.sites.factories import CapabilityFactory
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
    TrialSiteFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(personas) -> Scenario:
    return build_scenario(personas)


def page_url(site) -> str:
    return reverse("reports:site-readiness", args=[site.pk])


def api_url(site_or_id) -> str:
    return f"/api/v1/sites/{getattr(site_or_id, 'pk', site_or_id)}/readiness/"


# --- page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator_a", "pharmacist_a", "network", "national"])
def test_it_shows_the_site_readiness_to_anyone_who_may_see_the_site(personas, scenario, who):
    response = personas.client_for(getattr(personas, who)).get(
        page_url(personas.site_a), {"on": ON.isoformat()}
    )
    assert response.status_code == 200
    labels = [s["assessment"].requirement_set.label for s in response.context["sections"]]
    assert labels == ["CARTITUDE-X", "CAR-T core"]


@pytest.mark.parametrize(
    ("who", "site"),
    [
        ("coordinator_b", "site_a"),
        ("coordinator_a", "site_b"),
        ("network", "site_b"),
        ("editor", "site_a"),
        ("nobody", "site_a"),
    ],
)
def test_it_hides_a_site_out_of_scope(personas, scenario, who, site):
    # North's network coordinator cannot see South's site B, nor B's coordinator site A.
    response = personas.client_for(getattr(personas, who)).get(page_url(getattr(personas, site)))
    assert response.status_code == 404


def test_it_404s_for_a_site_that_does_not_exist(personas):
    assert personas.client_for(personas.national).get("/sites/999999/readiness/").status_code == 404


def test_it_lists_gaps_by_capability_and_training_and_what_closes_them(personas, scenario):
    response = personas.client_for(personas.coordinator_b).get(
        page_url(personas.site_b), {"on": ON.isoformat()}
    )
    assert response.status_code == 200
    # Site B takes part in no trial: it sees the profile only.
    (section,) = response.context["sections"]
    assessment = section["assessment"]
    assert (assessment.ready, assessment.blockers) == (False, 3)
    content = response.content.decode()
    assert "Capability gaps" in content and "Training gaps" in content
    assert "In progress: not yet in place." in content
    assert "No record: the site has not assessed this capability." in content
    assert "0 of 1 Clinical trials pharmacist trained." in content
    assert "This site takes part in no trials you can see." in content
    assert 'aria-hidden="true">Closed by </span>SOP</td>' in content  # evidence that closes the gap


def test_it_lists_items_expiring_within_90_days(personas, scenario):
    response = personas.client_for(personas.coordinator_a).get(
        page_url(personas.site_a), {"on": ON.isoformat()}
    )
    content = response.content.decode()
    assert "Expiring within 90 days" in content
    assert "14 April 2026" in content  # LN2 evidence, 30 days after the as-of date
    assert "100%" in content


def test_the_page_names_the_expiring_window_the_engine_uses(personas, scenario, settings):
    settings.READINESS_EXPIRING_DAYS = 20
    response = personas.client_for(personas.coordinator_a).get(
        page_url(personas.site_a), {"on": ON.isoformat()}
    )
    content = response.content.decode()
    assert "within 20 days" in content
    assert "90 days" not in content


def test_it_focuses_one_trial_or_profile(personas, scenario):
    client = personas.client_for(personas.network)
    response = client.get(page_url(personas.site_a), {"profile": "cart-core"})
    assert [s["kind"] for s in response.context["sections"]] == ["Requirement profile"]
    assert response.context["focused"] is True

    other = TrialFactory(short_title="OTHER-TRIAL")  # not run at site A: still checkable
    response = client.get(page_url(personas.site_a), {"trial": other.pk})
    labels = [s["assessment"].requirement_set.label for s in response.context["sections"]]
    assert labels == ["OTHER-TRIAL"]
    assert "nothing to assess" in response.content.decode()


def test_it_assesses_a_future_date(personas, scenario):
    response = personas.client_for(personas.coordinator_a).get(
        page_url(personas.site_a), {"profile": "cart-core", "on": "2026-05-01"}
    )
    (section,) = response.context["sections"]
    assert section["assessment"].blockers == 1  # the LN2 evidence lapsed on 14 April
    assert "Evidence expired on 14 April 2026." in response.content.decode()


def test_it_shows_a_bad_date_next_to_the_field(personas, scenario):
    response = personas.client_for(personas.coordinator_a).get(
        page_url(personas.site_a), {"on": "2026-04-31"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'href="#id_on-day"' in content
    assert views.BAD_DATE in content


def test_it_404s_for_a_trial_the_coordinator_may_not_see(personas, scenario):
    response = personas.client_for(personas.coordinator_b).get(
        page_url(personas.site_b), {"trial": scenario.trial.pk}
    )
    assert response.status_code == 404


def grow(personas, scenario, n_sites: int, n_trials: int) -> None:
    """More sites, trials at site A, profiles, staff and records: none may cost a query."""
    add_sites(n_sites, personas.north, scenario)
    for i in range(n_trials):
        trial = TrialFactory()
        trial.profiles.add(scenario.profile)
        profile = RequirementProfileFactory()
        CapabilityRequirementFactory(profile=profile, capabilities=[CapabilityFactory()])
        CapabilityRequirementFactory(
            trial=trial, capabilities=[CapabilityFactory()], level="recommended"
        )
        course = CourseFactory()
        TrainingRequirementFactory(trial=trial, course=course, min_staff=2)
        TrialSiteFactory(trial=trial, site=personas.site_a)
        for j in range(3):
            staff = StaffMemberFactory(site=personas.site_a)
            TrainingRecordFactory(
                staff=staff, course=course, completed_on=ON - dt.timedelta(days=30 * (i + j))
            )


def site_page_queries(user, site) -> int:
    request = RequestFactory().get(page_url(site), {"on": ON.isoformat()})
    request.user = user
    with CaptureQueriesContext(connection) as captured:
        response = views.site_readiness(request, site.pk)
    assert response.status_code == 200
    return len(captured)


def test_the_site_page_costs_the_same_few_queries_however_much_data(personas, scenario):
    # A capability gap and a training gap from the start, so the page's guidance look-ups
    # (made only when there are gaps to show guidance for) are counted at both sizes.
    CapabilityRequirementFactory(profile=scenario.profile, capabilities=[CapabilityFactory()])
    TrainingRequirementFactory(profile=scenario.profile, course=CourseFactory())
    client = personas.client_for(personas.network)
    with CaptureQueriesContext(connection) as small:
        response = client.get(page_url(personas.site_a), {"on": ON.isoformat()})
    assert len(response.context["sections"]) == 2
    view_small = site_page_queries(personas.network, personas.site_a)

    grow(personas, scenario, n_sites=49, n_trials=6)
    with CaptureQueriesContext(connection) as large:
        response = client.get(page_url(personas.site_a), {"on": ON.isoformat()})
    assert len(response.context["sections"]) == 2 + 6 + 6
    view_large = site_page_queries(personas.network, personas.site_a)

    assert len(small) == len(large)
    assert (
        view_small == view_large <= 13
    )  # the engine, the page, two guidance look-ups, the actions


# --- API --------------------------------------------------------------------------------------


def test_the_api_returns_the_site_rows(personas, scenario):
    response = personas.client_for(personas.coordinator_a).get(
        api_url(personas.site_a), {"trial": scenario.trial.pk, "on": ON.isoformat()}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["site"] == {
        "id": personas.site_a.pk,
        "name": "Alpha Hospital",
        "ods_code": "RAA",
        "region": "NORTH",
    }
    assert body["as_of"] == "2026-03-15"
    assert body["requirement_set"] == "CARTITUDE-X"
    assert (body["score"], body["ready"], body["blockers"], body["warnings"]) == (1.0, True, 0, 0)
    assert (body["expiring"], body["met"]) == (1, 2)
    rows = {row["key"]: row for row in body["rows"]}
    assert set(rows) == {"cap:gmo_containment", "cap:ln2_storage", "train:gcp:TRIAL_PHARM"}
    assert rows["cap:ln2_storage"] == {
        "key": "cap:ln2_storage",
        "kind": "capability",
        "level": "mandatory",
        "label": "LN2 storage",
        "category": "storage",
        "sources": ["CAR-T core"],
        "closes_with": ["SOP"],
        "outcome": "expiring",
        "detail": "In place; evidence expires on 14 April 2026 (in 30 days).",
        "met_by": "LN2 storage",
        "status": "in_place",
        "expires_on": "2026-04-14",
        "expired_on": None,
        "trained_staff": [],
        "trained_count": 0,
        "needed": 0,
        "closes_at": "http://testserver"
        + reverse("reports:capability", args=[personas.site_a.pk, scenario.ln2.pk]),
    }
    training = rows["train:gcp:TRIAL_PHARM"]
    assert training["trained_staff"] == ["A. Patel"]
    assert (training["trained_count"], training["needed"], training["outcome"]) == (1, 1, "met")
    assert training["expires_on"] == "2027-12-05"


def test_the_api_reports_the_gaps_of_an_unready_site(personas, scenario):
    response = personas.client_for(personas.national).get(
        api_url(personas.site_b), {"profile": "cart-core"}
    )
    body = response.json()
    assert body["ready"] is False and body["score"] == 0.0
    statuses = {row["key"]: (row["outcome"], row["status"]) for row in body["rows"]}
    assert statuses == {
        "cap:gmo_containment": ("blocker", "in_progress"),
        "cap:ln2_storage": ("blocker", "no_record"),
        "train:gcp:TRIAL_PHARM": ("blocker", ""),
    }


@pytest.mark.parametrize(
    ("who", "site"),
    [
        ("coordinator_b", "site_a"),
        ("network", "site_b"),
        ("editor", "site_a"),
        ("nobody", "site_a"),
        ("coordinator_a", "site_b"),
    ],
)
def test_the_api_404s_for_a_site_out_of_scope(personas, scenario, who, site):
    response = personas.client_for(getattr(personas, who)).get(
        api_url(getattr(personas, site)), {"profile": "cart-core"}
    )
    assert response.status_code == 404


def test_the_api_hides_an_unseen_site_even_when_the_query_is_bad(personas, scenario):
    response = personas.client_for(personas.coordinator_b).get(api_url(personas.site_a))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query",
    [{"trial": "999999"}, {"profile": "no-such-profile"}],
    ids=["unknown trial", "unknown profile"],
)
def test_the_api_404s_for_an_unknown_requirement_set(personas, scenario, query):
    response = personas.client_for(personas.coordinator_a).get(api_url(personas.site_a), query)
    assert response.status_code == 404


def test_the_api_404s_for_an_unknown_site(personas, scenario):
    response = personas.client_for(personas.national).get(api_url(999999), {"profile": "cart-core"})
    assert response.status_code == 404


def test_the_api_404s_for_a_trial_the_coordinator_may_not_see(personas, scenario):
    response = personas.client_for(personas.coordinator_b).get(
        api_url(personas.site_b), {"trial": scenario.trial.pk}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({}, {"trial": [api.NEITHER_SET], "profile": [api.NEITHER_SET]}),
        ({"trial": "1", "profile": "x"}, {"trial": [api.BOTH_SETS], "profile": [api.BOTH_SETS]}),
        ({"profile": "cart-core", "on": "15/03/2026"}, {"on": [api.BAD_DATE]}),
    ],
    ids=["neither", "both", "bad date"],
)
def test_the_api_names_the_bad_parameter(personas, scenario, query, errors):
    response = personas.client_for(personas.coordinator_a).get(api_url(personas.site_a), query)
    assert response.status_code == 400
    assert response.json() == errors


def test_the_schema_documents_both_readiness_endpoints(personas):
    response = personas.client_for(personas.national).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/readiness/" in paths
    assert "/api/v1/sites/{site_id}/readiness/" in paths
    parameters = {p["name"] for p in paths["/api/v1/readiness/"]["get"]["parameters"]}
    assert {"trial", "profile", "region", "on", "page"} <= parameters
