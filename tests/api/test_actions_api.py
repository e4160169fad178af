"""The action plan over the API: coordinators add and change actions on their site's gaps with
history; network coordinators in scope read; everyone else finds nothing; bad input names its
field; the OpenAPI schema documents it with its error answers."""

from __future__ import annotations

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from actions.forms import OWNER_REQUIRED, TARGET_DATE_REQUIRED
from actions.models import GapAction
from reports.api.actions import NOT_A_GAP, OWNER_INVALID, STATUS_FILTER_INVALID
from sites.models import Capability
from tests.sites.factories import CapabilityFactory
from tests.training.factories import StaffMemberFactory
from tests.trials.factories import CapabilityRequirementFactory, TrialFactory, TrialSiteFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def gaps(personas):
    """ORION-19 at site A needs LN2 storage and ICU cover, neither recorded: two blockers."""
    trial = TrialFactory(short_title="ORION-19")
    TrialSiteFactory(trial=trial, site=personas.site_a)
    for code, name in [("ln2", "Liquid nitrogen storage"), ("icu", "ICU cover")]:
        cap = CapabilityFactory(code=code, name=name, category=Capability.Category.STORAGE)
        CapabilityRequirementFactory(trial=trial, capabilities=[cap])
    return StaffMemberFactory(site=personas.site_a, full_name="Ann Nurse")


def url(site, action=None) -> str:
    base = f"/api/v1/sites/{site.pk}/actions/"
    return f"{base}{action}/" if action else base


def new_action(nurse, **extra) -> dict:
    return {
        "requirement_key": "cap:ln2",
        "owner": f"staff-{nurse.pk}",
        "target_date": "2027-03-31",
        "note": "Dewar ordered",
        **extra,
    }


def test_a_coordinator_adds_and_changes_an_action_keeping_its_history(personas, gaps):
    client = client_for(personas.coordinator_a)
    response = client.post(url(personas.site_a), new_action(gaps), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "requirement_key",
            "requirement_label",
            "owner",
            "owner_name",
            "target_date",
            "status",
            "is_overdue",
        )
    } == {
        "requirement_key": "cap:ln2",
        "requirement_label": "Liquid nitrogen storage",
        "owner": f"staff-{gaps.pk}",
        "owner_name": "Ann Nurse",
        "target_date": "2027-03-31",
        "status": "open",
        "is_overdue": False,
    }
    response = client.patch(
        url(personas.site_a, body["id"]),
        {"status": "done", "reason": "Dewar delivered"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["target_date"]) == ("done", "2027-03-31")
    response = client.patch(
        url(personas.site_a, body["id"]),
        {"owner": f"user-{personas.coordinator_a.pk}"},
        format="json",
    )
    assert response.json()["owner"] == f"user-{personas.coordinator_a.pk}"
    action = GapAction.objects.get()
    assert [h.history_change_reason for h in action.history.order_by("history_date")] == [
        "Action planned",
        "Dewar delivered",
        "Action updated",
    ]
    listed = client.get(url(personas.site_a)).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert client.get(url(personas.site_a), {"status": "open"}).json()["results"] == []


def test_network_coordinators_in_scope_read_and_others_find_nothing(personas, gaps):
    action = (
        client_for(personas.coordinator_a)
        .post(url(personas.site_a), new_action(gaps), format="json")
        .json()
    )
    for reader in (personas.network, personas.national, personas.pharmacist_a):
        client = client_for(reader)
        assert client.get(url(personas.site_a)).json()["count"] == 1
        assert client.get(url(personas.site_a, action["id"])).status_code == 200
        # Reading is not writing: to them the writable resource does not exist.
        assert client.post(url(personas.site_a), new_action(gaps), format="json").status_code == 404
        assert (
            client.patch(
                url(personas.site_a, action["id"]), {"status": "done"}, format="json"
            ).status_code
            == 404
        )
    for outsider in (personas.coordinator_b, personas.nobody, personas.editor):
        client = client_for(outsider)
        assert client.get(url(personas.site_a)).status_code == 404
        assert client.get(url(personas.site_a, action["id"])).status_code == 404
        assert (
            client.patch(
                url(personas.site_a, action["id"]), {"status": "done"}, format="json"
            ).status_code
            == 404
        )
    # Site B's coordinator cannot reach site A's action through their own site either.
    b = client_for(personas.coordinator_b)
    assert (
        b.patch(url(personas.site_b, action["id"]), {"status": "done"}, format="json").status_code
        == 404
    )
    assert APIClient().get(url(personas.site_a)).status_code in (401, 403)
    assert GapAction.objects.get().status == "open"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"owner": ""}, "owner", OWNER_INVALID),
        ({"owner": None}, "owner", None),
        ({"owner": "staff-999999"}, "owner", OWNER_INVALID),
        ({"target_date": "31/03/2027"}, "target_date", "YYYY-MM-DD"),
        ({"target_date": "2027-02-31"}, "target_date", "YYYY-MM-DD"),
        ({"requirement_key": "cap:not-a-gap"}, "requirement_key", NOT_A_GAP),
        ({"note": "x" * 2001}, "note", "2000"),
        ({"colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field(personas, gaps, change, field, message):
    response = client_for(personas.coordinator_a).post(
        url(personas.site_a), new_action(gaps, **change), format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    if message:
        assert message in errors[field][0]
    assert not GapAction.objects.exists()


def test_missing_fields_and_bad_changes_name_their_field(personas, gaps):
    client = client_for(personas.coordinator_a)
    errors = client.post(url(personas.site_a), {"requirement_key": "cap:ln2"}, format="json").json()
    assert errors == {"owner": [OWNER_REQUIRED], "target_date": [TARGET_DATE_REQUIRED]}
    other_site = StaffMemberFactory(site=personas.site_b)
    assert (
        "owner"
        in client.post(
            url(personas.site_a), new_action(gaps, owner=f"staff-{other_site.pk}"), format="json"
        ).json()
    )
    action = client.post(url(personas.site_a), new_action(gaps), format="json").json()
    response = client.patch(
        url(personas.site_a, action["id"]), {"status": "finished"}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["status"]
    response = client.patch(url(personas.site_a, action["id"]), ["status"], format="json")
    assert response.status_code == 400 and "detail" in response.json()
    response = client.get(url(personas.site_a), {"status": "later"})
    assert response.json() == {"status": [STATUS_FILTER_INVALID]}
    assert (
        client.patch(url(personas.site_a, 999999), {"status": "done"}, format="json").status_code
        == 404
    )


def test_a_leavers_action_can_still_be_closed(personas, gaps):
    client = client_for(personas.coordinator_a)
    action = client.post(url(personas.site_a), new_action(gaps), format="json").json()
    gaps.active = False
    gaps.save()
    response = client.patch(
        url(personas.site_a, action["id"]), {"status": "dropped"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["owner"] == f"staff-{gaps.pk}"


def test_the_list_costs_the_same_queries_however_many_actions(personas, gaps):
    reader, writer = client_for(personas.network), client_for(personas.coordinator_a)
    writer.post(url(personas.site_a), new_action(gaps), format="json")
    with CaptureQueriesContext(connection) as one:
        reader.get(url(personas.site_a))
    for _ in range(5):
        writer.post(
            url(personas.site_a),
            new_action(gaps, owner=f"user-{personas.coordinator_a.pk}"),
            format="json",
        )
    with CaptureQueriesContext(connection) as six:
        assert reader.get(url(personas.site_a)).json()["count"] == 6
    assert len(six) == len(one)


def test_the_schema_documents_the_endpoints_and_their_errors(personas):
    response = client_for(personas.coordinator_a).get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    collection = paths["/api/v1/sites/{site_id}/actions/"]
    item = paths["/api/v1/sites/{site_id}/actions/{action_id}/"]
    assert {"get", "post"} <= set(collection) and {"get", "patch"} <= set(item)
    assert {"201", "400", "401", "403", "404"} <= set(collection["post"]["responses"])
    assert {"200", "400", "404"} <= set(item["patch"]["responses"])
    assert "404" in collection["get"]["responses"]
    body = collection["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    create = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert set(create["required"]) == {"requirement_key", "owner", "target_date"}
