"""The trial set-up and site selection API (docs/api.md)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.sites.factories import CapabilityFactory
from tests.training.factories import CourseFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
)
from trials import api_setup
from trials.models import RequirementOverride, Trial, TrialSite

pytestmark = pytest.mark.django_db
S = TrialSite.Status

TRIAL = {
    "short_title": "RENEW-SCD",
    "full_title": "HSC gene therapy in sickle cell disease",
    "sponsor": "Renew Bio (demo)",
    "phase": "1_2",
    "atmp_class": "gtmp_ex_vivo",
    "origin": "autologous",
    "gmo": True,
    "presentation": "cryopreserved",
    "iras_id": "9903391",
}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def catalogue():
    cart = RequirementProfileFactory(code="cart_core", name="CAR-T core")
    tocilizumab = CapabilityFactory(code="tocilizumab_availability", name="Tocilizumab")
    neurology = CapabilityFactory(code="neurology_support", name="Neurology support")
    CapabilityRequirementFactory(profile=cart, capabilities=[tocilizumab])
    CapabilityRequirementFactory(profile=cart, capabilities=[neurology])
    CapabilityFactory(code="myeloablative_conditioning", name="Myeloablative conditioning")
    course = CourseFactory(code="apheresis_operator", title="Apheresis operator")
    TrainingRequirementFactory(profile=cart, course=course, role="APH_NURSE", min_staff=2)
    return cart


def full_body():
    return {
        **TRIAL,
        "profiles": ["cart_core"],
        "capability_requirements": [
            {"capabilities": ["myeloablative_conditioning"], "level": "mandatory", "note": ""}
        ],
        "training_requirements": [
            {
                "course": "apheresis_operator",
                "role": "APH_NURSE",
                "min_staff": 3,
                "level": "mandatory",
            }
        ],
        "overrides": [
            {
                "profile": "cart_core",
                "capabilities": ["tocilizumab_availability"],
                "level": "recommended",
                "reason": "No CRS expected",
            },
            {
                "profile": "cart_core",
                "capabilities": ["neurology_support"],
                "level": "excluded",
                "reason": "No ICANS risk",
            },
        ],
    }


def test_a_network_coordinator_creates_a_trial_and_gets_the_merged_set(personas, catalogue):
    response = api(personas.national).post("/api/v1/trials/", full_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    merged = {r["label"]: r for r in body["requirement_set"]}
    assert "Neurology support" not in merged
    assert merged["Tocilizumab"]["level"] == "recommended"
    assert merged["Myeloablative conditioning"]["sources"] == ["Trial-specific"]
    (training,) = [r for r in body["requirement_set"] if r["kind"] == "training"]
    assert (training["min_staff"], training["sources"]) == (3, ["CAR-T core", "Trial-specific"])
    assert RequirementOverride.objects.count() == 2


def test_patch_replaces_only_the_lists_given(personas, catalogue):
    client = api(personas.network)
    trial_id = client.post("/api/v1/trials/", full_body(), format="json").json()["id"]
    response = client.patch(
        f"/api/v1/trials/{trial_id}/",
        {
            "sponsor": "New sponsor",
            "overrides": [],
            "reason": "Sponsor changed its mind",
        },
        format="json",
    )
    assert response.status_code == 200
    trial = Trial.objects.get(pk=trial_id)
    assert trial.sponsor == "New sponsor"
    assert not trial.overrides.exists()
    assert trial.capability_requirements.count() == 1  # not in the PATCH: unchanged
    assert "Neurology support" in {r["label"] for r in response.json()["requirement_set"]}


def test_patch_changes_a_requirement_in_place_with_its_history(personas, catalogue):
    """An entry naming the same capabilities (or the same course and role) as one of the
    trial's requirements changes that one: the history says "changed", old → new."""
    client = api(personas.national)
    trial_id = client.post("/api/v1/trials/", full_body(), format="json").json()["id"]
    trial = Trial.objects.get(pk=trial_id)
    (capability_id,) = trial.capability_requirements.values_list("pk", flat=True)
    (training_id,) = trial.training_requirements.values_list("pk", flat=True)
    response = client.patch(
        f"/api/v1/trials/{trial_id}/",
        {
            "capability_requirements": [
                {
                    "capabilities": ["myeloablative_conditioning"],
                    "level": "recommended",
                    "note": "Reduced intensity",
                }
            ],
            "training_requirements": [
                {
                    "course": "apheresis_operator",
                    "role": "APH_NURSE",
                    "min_staff": 4,
                    "level": "mandatory",
                }
            ],
            "overrides": [
                {
                    "profile": "cart_core",
                    "capabilities": ["neurology_support"],
                    "level": "recommended",
                    "reason": "ICANS possible after all",
                }
            ],
            "reason": "Protocol amendment 2",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert list(trial.capability_requirements.values_list("pk", "level", "note")) == [
        (capability_id, "recommended", "Reduced intensity")
    ]
    assert list(trial.training_requirements.values_list("pk", "min_staff")) == [(training_id, 4)]
    html = APIClient()
    html.force_login(personas.national)
    page = html.get(f"/trials/{trial_id}/").content.decode()
    assert "Capability requirement changed" in page and "Training requirement changed" in page
    assert "Protocol amendment 2" in page and "Reduced intensity" in page
    assert "ICANS possible after all" in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"iras_id": "12"}, "iras_id"),
        ({"profiles": ["no_such_profile"]}, "profiles"),
        (
            {"capability_requirements": [{"capabilities": ["nope"], "level": "mandatory"}]},
            "capability_requirements",
        ),
        (
            {"capability_requirements": [{"capabilities": [], "level": "mandatory"}]},
            "capability_requirements",
        ),
        (
            {"training_requirements": [{"course": "apheresis_operator", "min_staff": 0}]},
            "training_requirements",
        ),
        (
            {
                "overrides": [
                    {
                        "profile": "cart_core",
                        "capabilities": ["neurology_support"],
                        "level": "excluded",
                        "reason": "",
                    }
                ]
            },
            "overrides",
        ),
        (
            {
                "overrides": [
                    {
                        "profile": "cart_core",
                        "capabilities": ["myeloablative_conditioning"],
                        "level": "excluded",
                        "reason": "x",
                    }
                ]
            },
            "overrides",
        ),
        (
            {
                "profiles": [],
                "overrides": [
                    {
                        "profile": "cart_core",
                        "capabilities": ["neurology_support"],
                        "level": "excluded",
                        "reason": "x",
                    }
                ],
            },
            "overrides",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(personas, catalogue, change, field):
    response = api(personas.national).post(
        "/api/v1/trials/", {**full_body(), **change}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Trial.objects.exists()


def test_an_unknown_capability_code_is_named(personas, catalogue):
    body = {
        **full_body(),
        "capability_requirements": [
            {"capabilities": ["myeloablative_conditioning", "ln2_typo"], "level": "mandatory"}
        ],
    }
    errors = api(personas.national).post("/api/v1/trials/", body, format="json").json()
    assert errors["capability_requirements"]["0"]["capabilities"] == [
        api_setup.UNKNOWN_CAPABILITY.format(codes="ln2_typo")
    ]


@pytest.mark.parametrize("persona", ["coordinator_a", "pharmacist_a", "editor"])
def test_only_network_coordinators_set_up_trials(personas, catalogue, persona):
    client = api(getattr(personas, persona))
    assert client.post("/api/v1/trials/", full_body(), format="json").status_code == 403
    trial = TrialFactory()
    TrialSite.objects.create(trial=trial, site=personas.site_a)
    assert (
        client.patch(f"/api/v1/trials/{trial.pk}/", {"sponsor": "x"}, format="json").status_code
        == 404
    )
    assert Trial.objects.get(pk=trial.pk).sponsor != "x"


def test_site_selection_through_the_api(personas):
    trial = TrialFactory()
    network = api(personas.network)
    url = f"/api/v1/trials/{trial.pk}/sites/"
    # Site B is outside the North coordinator's scope.
    assert (
        network.post(
            url, {"site": personas.site_b.pk, "status": "invited"}, format="json"
        ).status_code
        == 404
    )
    response = network.post(
        url,
        {
            "site": personas.site_a.pk,
            "status": "invited",
            "respond_by": "2099-01-31",
            "message": "Host it?",
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["status"] == "invited"
    site_url = f"{url}{personas.site_a.pk}/"
    # Only the site answers; the site's coordinator takes no other step.
    assert network.patch(site_url, {"status": "interested"}, format="json").status_code == 403
    coordinator = api(personas.coordinator_a)
    assert coordinator.patch(site_url, {"status": "selected"}, format="json").status_code == 403
    assert (
        coordinator.patch(
            site_url, {"status": "interested", "reason": "Yes"}, format="json"
        ).status_code
        == 200
    )
    assert (
        api(personas.coordinator_b)
        .patch(site_url, {"status": "declined"}, format="json")
        .status_code
        == 404
    )
    response = network.patch(site_url, {"status": "open"}, format="json")
    assert response.status_code == 400 and "status" in response.json()
    assert (
        network.patch(site_url, {"status": "selected", "reason": "Best"}, format="json").status_code
        == 200
    )
    assert [row["status"] for row in network.get(url).json()] == ["selected"]
    assert api(personas.coordinator_b).get(url).status_code == 404  # trial not at site B
