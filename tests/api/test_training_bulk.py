"""POST /api/v1/sites/{id}/training-records/bulk/: idempotent, all or nothing, constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from training import bulk
from training.importer import ROW_UNKNOWN_COURSE, ROW_UNKNOWN_EMAIL
from training.models import TrainingRecord

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(site) -> str:
    return f"/api/v1/sites/{site.pk}/training-records/bulk/"


@pytest.fixture
def staff(personas):
    CourseFactory(code="gcp", renewal_months=24)
    CourseFactory(code="cryo", renewal_months=12)
    return StaffMemberFactory.create_batch(5, site=personas.site_a)


def feed(staff, n: int, *, notes: str = "") -> list[dict]:
    """n distinct records: staff x course x day, each with its own external id."""
    return [
        {
            "external_id": f"LMS-{i}",
            "email": staff[i % len(staff)].email,
            "course_code": ("gcp", "cryo")[i // len(staff) % 2],
            "completed_on": (TODAY - dt.timedelta(days=1 + i // (2 * len(staff)))).isoformat(),
            "expiry_override": None,
            "notes": notes,
        }
        for i in range(n)
    ]


def post(client, site, records):
    return client.post(url(site), {"records": records}, format="json")


def test_it_creates_records_and_sending_them_again_creates_nothing_and_no_history(personas, staff):
    client = client_for(personas.coordinator_a)
    records = feed(staff, 40)
    first = post(client, personas.site_a, records)
    assert first.status_code == 200, first.json()
    assert (first.json()["created"], first.json()["updated"]) == (40, 0)
    assert TrainingRecord.objects.count() == 40
    history = TrainingRecord.history.count()
    again = post(client, personas.site_a, records)
    assert again.json() == {**again.json(), "created": 0, "updated": 0, "unchanged": 40}
    assert [r["id"] for r in again.json()["results"]] == [r["id"] for r in first.json()["results"]]
    assert TrainingRecord.objects.count() == 40
    assert TrainingRecord.history.count() == history
    record = TrainingRecord.objects.get(external_id="LMS-0")
    assert (record.external_site, record.history.first().history_change_reason) == (
        personas.site_a,
        bulk.FEED_REASON,
    )


def test_a_changed_record_is_updated_with_history(personas, staff):
    client = client_for(personas.coordinator_a)
    post(client, personas.site_a, feed(staff, 3))
    changed = feed(staff, 3)
    changed[1]["notes"] = "Refresher"
    body = post(client, personas.site_a, changed).json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 1, 2)
    record = TrainingRecord.objects.get(external_id="LMS-1")
    assert record.notes == "Refresher"
    assert record.history.count() == 2


def test_it_adopts_a_record_typed_in_by_hand_instead_of_duplicating_it(personas, staff):
    typed = TrainingRecordFactory(
        staff=staff[0], course=CourseFactory(code="gcp"), completed_on=TODAY - dt.timedelta(days=1)
    )
    body = post(client_for(personas.coordinator_a), personas.site_a, feed(staff, 1)).json()
    assert body["updated"] == 1 and body["results"][0]["id"] == typed.pk
    typed.refresh_from_db()
    assert typed.external_id == "LMS-0"


def test_one_bad_row_rejects_all_with_its_row_number_and_field(personas, staff):
    records = feed(staff, 50)
    records[36]["email"] = "nobody@nhs.example"
    records[41]["course_code"] = "no_such_course"
    records[44]["completed_on"] = "2027-3-1"
    records[47]["external_id"] = "LMS-3"
    response = post(client_for(personas.coordinator_a), personas.site_a, records)
    assert response.status_code == 400
    body = response.json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (37, "email"),
        (42, "course_code"),
        (45, "completed_on"),
        (48, "external_id"),
    ]
    assert body["errors"][0]["message"] == ROW_UNKNOWN_EMAIL.format(value="nobody@nhs.example")
    assert body["errors"][1]["message"] == ROW_UNKNOWN_COURSE.format(value="no_such_course")
    assert body["errors"][3]["message"] == bulk.ERROR_EXTERNAL_ID_DUPLICATE.format(row=4)
    assert body["detail"] == "No records were saved: 4 of 50 rows have errors."
    assert not TrainingRecord.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"external_id": ""}, "external_id", bulk.ERROR_EXTERNAL_ID_MISSING),
        ({"external_id": "x" * 101}, "external_id", bulk.ERROR_EXTERNAL_ID_LONG),
        ({"email": 42}, "email", bulk.ERROR_NOT_TEXT),
        ({"notes": "a\x00b"}, "notes", bulk.ERROR_NUL),
        ({"colour": "red"}, "colour", bulk.ERROR_UNKNOWN_FIELD),
        ({"completed_on": (TODAY + dt.timedelta(days=3)).isoformat()}, "completed_on", None),
        ({"completed_on": "9999-12-31"}, "completed_on", None),
        ({"expiry_override": "2000-01-01"}, "expiry_override", None),
    ],
)
def test_each_bad_field_is_named(personas, staff, change, field, message):
    records = feed(staff, 2)
    records[1].update(change)
    response = post(client_for(personas.coordinator_a), personas.site_a, records)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["row"], error["field"]) == (2, field)
    if message:
        assert error["message"] == message


@pytest.mark.parametrize(
    "body", [{}, {"records": []}, {"records": "x"}, [1, 2], {"records": [None, 1]}]
)
def test_a_body_of_the_wrong_shape_is_a_400(personas, staff, body):
    response = client_for(personas.coordinator_a).post(url(personas.site_a), body, format="json")
    assert response.status_code == 400


def test_external_ids_are_per_site(personas, staff):
    other = StaffMemberFactory(site=personas.site_b)
    post(client_for(personas.coordinator_a), personas.site_a, feed(staff, 1))
    response = post(
        client_for(personas.coordinator_b),
        personas.site_b,
        [{**feed(staff, 1)[0], "email": other.email}],
    )
    assert response.json()["created"] == 1
    assert TrainingRecord.objects.filter(external_id="LMS-0").count() == 2


@pytest.mark.parametrize("who", ["pharmacist_a", "network", "national", "coordinator_b", "editor"])
def test_only_the_sites_coordinators_may_feed_it(personas, staff, who):
    response = post(client_for(getattr(personas, who)), personas.site_a, feed(staff, 1))
    assert response.status_code == 404
    assert not TrainingRecord.objects.exists()


def test_the_number_of_queries_does_not_grow_with_the_records(personas, staff):
    client = client_for(personas.coordinator_a)
    with CaptureQueriesContext(connection) as small:
        assert post(client, personas.site_a, feed(staff, 5)).status_code == 200
    TrainingRecord.objects.all().delete()
    with CaptureQueriesContext(connection) as large:
        assert post(client, personas.site_a, feed(staff, 1000)).json()["created"] == 1000
    assert len(large) == len(small)
    many = feed(staff, 1000, notes="changed")
    with CaptureQueriesContext(connection) as updates:
        assert post(client, personas.site_a, many).json()["updated"] == 1000
    assert len(updates) == len(small)


def test_5000_records_in_one_call(personas, staff):
    staff += StaffMemberFactory.create_batch(45, site=personas.site_a)
    records = feed(staff, 5000)
    client = client_for(personas.coordinator_a)
    assert post(client, personas.site_a, records).json()["created"] == 5000
    assert post(client, personas.site_a, records).json()["unchanged"] == 5000
    assert TrainingRecord.objects.count() == 5000
