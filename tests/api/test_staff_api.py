"""Staff over the API: add, change, mark as left, scoped and checked as on the pages."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.training.factories import StaffMemberFactory
from training.api.staff import UNKNOWN_FIELD
from training.forms import EMAIL_TAKEN, ROLES_REQUIRED
from training.models import StaffMember

pytestmark = pytest.mark.django_db

NEW = {
    "full_name": "Asha Patel",
    "email": "Asha.Patel@nhs.example",
    "roles": ["TRIAL_PHARM"],
    "job_title": "Lead pharmacist",
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def base(site) -> str:
    return f"/api/v1/sites/{site.pk}/staff/"


def test_a_coordinator_adds_changes_and_marks_a_leaver_with_history(personas):
    client = client_for(personas.coordinator_a)
    response = client.post(base(personas.site_a), NEW, format="json")
    assert response.status_code == 201, response.json()
    staff = StaffMember.objects.get(pk=response.json()["id"])
    assert (staff.site, staff.email, staff.roles) == (
        personas.site_a,
        "asha.patel@nhs.example",
        ["TRIAL_PHARM"],
    )
    detail = f"{base(personas.site_a)}{staff.pk}/"
    response = client.patch(detail, {"job_title": "Chief pharmacist"}, format="json")
    assert response.status_code == 200
    assert response.json()["job_title"] == "Chief pharmacist"
    assert response.json()["roles"] == ["TRIAL_PHARM"]  # kept
    response = client.post(f"{detail}deactivate/", {"left_on": "2026-11-30"}, format="json")
    assert (response.json()["active"], response.json()["left_on"]) == (False, "2026-11-30")
    assert client.post(f"{detail}reactivate/").json()["active"] is True
    reasons = [h.history_change_reason for h in staff.history.order_by("history_date")]
    assert reasons == [
        "Staff member added",
        "Staff details updated",
        "Left on 30/11/2026",
        "Returned to post",
    ]
    listed = client_for(personas.network).get(base(personas.site_a)).json()
    assert [row["email"] for row in listed["results"]] == ["asha.patel@nhs.example"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**NEW, "roles": []}, "roles", ROLES_REQUIRED),
        ({**NEW, "roles": ["WIZARD"]}, "roles", None),
        ({**NEW, "roles": "PI"}, "roles", None),
        ({**NEW, "email": "taken@nhs.example"}, "email", EMAIL_TAKEN),
        ({**NEW, "email": "not-an-email"}, "email", None),
        ({**NEW, "full_name": ""}, "full_name", None),
        ({**NEW, "shoe_size": 9}, "shoe_size", UNKNOWN_FIELD),
        ({**NEW, "full_name": "a\x00b"}, "full_name", None),
    ],
)
def test_bad_input_is_400_naming_the_field(personas, body, field, message):
    StaffMemberFactory(site=personas.site_a, email="taken@nhs.example")
    response = client_for(personas.coordinator_a).post(base(personas.site_a), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    if message:
        assert response.json()[field] == [message]


@pytest.mark.parametrize("left_on", ["", "30/11/2026", "9999-12-31", None])
def test_a_bad_leaving_date_is_400_naming_it(personas, left_on):
    staff = StaffMemberFactory(site=personas.site_a)
    response = client_for(personas.coordinator_a).post(
        f"{base(personas.site_a)}{staff.pk}/deactivate/", {"left_on": left_on}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["left_on"]


@pytest.mark.parametrize("who", ["pharmacist_a", "network", "national", "coordinator_b"])
def test_only_the_sites_coordinators_write(personas, who):
    staff = StaffMemberFactory(site=personas.site_a)
    client = client_for(getattr(personas, who))
    assert client.post(base(personas.site_a), NEW, format="json").status_code == 404
    assert (
        client.patch(
            f"{base(personas.site_a)}{staff.pk}/", {"job_title": "x"}, format="json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"{base(personas.site_a)}{staff.pk}/deactivate/",
            {"left_on": "2026-11-30"},
            format="json",
        ).status_code
        == 404
    )


def test_staff_of_another_site_are_not_found_through_this_one(personas):
    other = StaffMemberFactory(site=personas.site_b)
    client = client_for(personas.national)
    assert client.get(f"{base(personas.site_a)}{other.pk}/").status_code == 404
    assert client_for(personas.coordinator_b).get(base(personas.site_a)).status_code == 404
