"""PATCH /api/v1/sites/{id}/capabilities/{code}/ with ETag / If-Match, and evidence uploads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from sites.api import checklist as api
from sites.models import Capability, SiteCapability
from sites.services import NOT_APPLICABLE_REASON_REQUIRED
from sites.uploads import ERROR_FILE_TYPE
from tests.sites.factories import PDF_BYTES, CapabilityFactory, SiteCapabilityFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def storage(db) -> Capability:
    return CapabilityFactory(
        code="ln2_storage", name="LN2 storage", category=Capability.Category.STORAGE
    )


@pytest.fixture
def pharmacy(db) -> Capability:
    return CapabilityFactory(
        code="aseptic_unit", name="Aseptic unit", category=Capability.Category.PHARMACY
    )


def url(site, capability, suffix="") -> str:
    return f"/api/v1/sites/{site.pk}/capabilities/{capability.code}/{suffix}"


def patch(client, target, body, if_match=None):
    headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    return client.patch(target, body, format="json", **headers)


def test_get_gives_the_item_with_its_version_as_etag(personas, storage):
    SiteCapabilityFactory(
        site=personas.site_a,
        capability=storage,
        version=3,
        evidence_expires_on=dt.date(2027, 1, 31),
    )
    response = client_for(personas.network).get(url(personas.site_a, storage))
    assert response.status_code == 200
    assert response["ETag"] == '"3"'
    body = response.json()
    assert (body["capability"], body["status"], body["version"], body["recorded"]) == (
        "ln2_storage",
        "in_place",
        3,
        True,
    )
    assert body["evidence_expires_on"] == "2027-01-31"


def test_a_never_recorded_item_is_version_0(personas, storage):
    response = client_for(personas.coordinator_a).get(url(personas.site_a, storage))
    assert response["ETag"] == '"0"'
    assert response.json()["recorded"] is False


def test_patch_with_the_etag_saves_through_the_service_with_history(personas, storage):
    client = client_for(personas.coordinator_a)
    target = url(personas.site_a, storage)
    response = patch(
        client,
        target,
        {"status": "in_place", "evidence_expires_on": "2027-06-30", "reason": "LIMS export"},
        if_match='"0"',
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"1"'
    item = SiteCapability.objects.get(site=personas.site_a, capability=storage)
    assert (item.status, item.evidence_expires_on, item.version) == (
        "in_place",
        dt.date(2027, 6, 30),
        1,
    )
    entry = item.history.first()
    assert (entry.history_user, entry.history_change_reason) == (
        personas.coordinator_a,
        "LIMS export",
    )
    # A field left out keeps its value.
    response = patch(client, target, {"notes": "Dewar 2"}, if_match='"1"')
    assert response.json()["evidence_expires_on"] == "2027-06-30"
    assert response.json()["notes"] == "Dewar 2"


def test_patch_without_if_match_is_428_and_changes_nothing(personas, storage):
    response = patch(
        client_for(personas.coordinator_a), url(personas.site_a, storage), {"status": "in_place"}
    )
    assert response.status_code == 428
    assert response.json() == {"detail": api.IF_MATCH_REQUIRED}
    assert not SiteCapability.objects.exists()


def test_two_writers_from_the_same_etag_the_second_gets_412_with_the_current_item(
    personas, storage
):
    SiteCapabilityFactory(site=personas.site_a, capability=storage, version=1)
    first, second = client_for(personas.coordinator_a), client_for(personas.coordinator_a)
    target = url(personas.site_a, storage)
    tag = first.get(target)["ETag"]
    assert patch(first, target, {"notes": "first"}, if_match=tag).status_code == 200
    response = patch(second, target, {"notes": "second"}, if_match=tag)
    assert response.status_code == 412
    assert response["ETag"] == '"2"'
    assert response.json()["current"]["notes"] == "first"
    assert SiteCapability.objects.get().notes == "first"


@pytest.mark.parametrize("header", ["3", "W/x", '"abc"', '"-1"', ""])
def test_an_unreadable_if_match_is_400_naming_it(personas, storage, header):
    response = patch(
        client_for(personas.coordinator_a),
        url(personas.site_a, storage),
        {"notes": "x"},
        if_match=header,
    )
    assert response.status_code == 400
    assert list(response.json()) == ["If-Match"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "ready"}, "status"),
        ({"status": "not_applicable"}, "not_applicable_reason"),
        ({"evidence_expires_on": "31/12/2027"}, "evidence_expires_on"),
        ({"evidence_expires_on": "9999-12-31"}, "evidence_expires_on"),
        ({"staus": "in_place"}, "staus"),
        ({"notes": "x" * 5001}, "notes"),
        ({"notes": "nul\x00byte"}, "notes"),
    ],
)
def test_bad_input_is_400_naming_the_field(personas, storage, body, field):
    response = patch(
        client_for(personas.coordinator_a), url(personas.site_a, storage), body, if_match='"0"'
    )
    assert response.status_code == 400
    assert field in response.json()
    if field == "not_applicable_reason":
        assert response.json()[field] == [NOT_APPLICABLE_REASON_REQUIRED]


@pytest.mark.parametrize(
    ("who", "capability", "status"),
    [
        ("pharmacist_a", "pharmacy", 200),
        ("pharmacist_a", "storage", 404),
        ("network", "storage", 404),
        ("national", "storage", 404),
        ("coordinator_b", "storage", 404),
        ("editor", "storage", 404),
        ("coordinator_a", "pharmacy", 200),
    ],
)
def test_writes_follow_the_pages_access_rules(personas, storage, pharmacy, who, capability, status):
    cap = storage if capability == "storage" else pharmacy
    response = patch(
        client_for(getattr(personas, who)),
        url(personas.site_a, cap),
        {"status": "in_progress"},
        if_match='"0"',
    )
    assert response.status_code == status


def test_reads_are_scoped_like_the_pages(personas, storage):
    assert client_for(personas.coordinator_b).get(url(personas.site_a, storage)).status_code == 404
    assert client_for(personas.network).get(url(personas.site_b, storage)).status_code == 404
    missing = client_for(personas.coordinator_a).get(
        f"/api/v1/sites/{personas.site_a.pk}/capabilities/no_such_code/"
    )
    assert missing.status_code == 404


def test_the_checklist_list_costs_the_same_queries_whatever_its_size(personas, storage):
    client = client_for(personas.coordinator_a)
    SiteCapabilityFactory(site=personas.site_a, capability=storage)
    with CaptureQueriesContext(connection) as small:
        body = client.get(f"/api/v1/sites/{personas.site_a.pk}/capabilities/").json()
    assert [row["capability"] for row in body["results"]] == ["ln2_storage"]
    for cap in CapabilityFactory.create_batch(20):
        SiteCapabilityFactory(site=personas.site_a, capability=cap)
    with CaptureQueriesContext(connection) as large:
        assert client.get(f"/api/v1/sites/{personas.site_a.pk}/capabilities/").json()["count"] == 21
    assert len(large) == len(small)


# --- evidence -----------------------------------------------------------------------------------


def upload(client, target, name, content, if_match='"0"'):
    return client.post(
        target,
        {"file": SimpleUploadedFile(name, content), "reason": "Audit"},
        format="multipart",
        HTTP_IF_MATCH=if_match,
    )


def test_an_evidence_upload_adds_the_file_and_raises_the_version(personas, storage):
    client = client_for(personas.coordinator_a)
    response = upload(client, url(personas.site_a, storage, "evidence/"), "cert.pdf", PDF_BYTES)
    assert response.status_code == 201, response.json()
    assert response["ETag"] == '"1"'
    (evidence,) = response.json()["evidence"]
    assert (evidence["name"], evidence["content_type"]) == ("cert.pdf", "application/pdf")
    download = client.get(evidence["download"], HTTP_ACCEPT="application/pdf")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert "no-store" in download["Cache-Control"]
    assert client_for(personas.coordinator_b).get(evidence["download"]).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.pdf", b"MZ\x90\x00" + b"\0" * 300, ERROR_FILE_TYPE),
        ("empty.pdf", b"", "The selected file is empty"),
    ],
)
def test_an_upload_gets_the_forms_content_checks(personas, storage, name, content, message):
    response = upload(
        client_for(personas.coordinator_a),
        url(personas.site_a, storage, "evidence/"),
        name,
        content,
    )
    assert response.status_code == 400
    assert response.json() == {"file": [message]}
    assert not SiteCapability.objects.exists()


def test_an_upload_needs_if_match_and_write_access(personas, storage):
    target = url(personas.site_a, storage, "evidence/")
    client = client_for(personas.coordinator_a)
    response = client.post(
        target, {"file": SimpleUploadedFile("a.pdf", PDF_BYTES)}, format="multipart"
    )
    assert response.status_code == 428
    assert upload(client, target, "a.pdf", PDF_BYTES, if_match='"7"').status_code == 412
    assert upload(client_for(personas.network), target, "a.pdf", PDF_BYTES).status_code == 404
