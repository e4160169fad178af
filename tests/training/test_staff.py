from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sites.models import SiteMembership
from sites.uploads import ERROR_FILE_TYPE
from tests.sites.factories import PDF_BYTES, MembershipFactory
from tests.sites.test_uploads import EXE_BYTES
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from training.forms import DATE_IN_FUTURE, DUPLICATE_RECORD, EMAIL_TAKEN, ROLES_REQUIRED
from training.models import StaffMember, TrainingRecord


def url(name, site, *args):
    return reverse(f"training:{name}", args=[site.pk, *args])


def test_the_coordinator_adds_a_staff_member(personas):
    client = personas.client_for(personas.coordinator_a)
    response = client.post(
        url("staff-add", personas.site_a),
        {
            "full_name": "Ada Nurse",
            "email": "Ada.Nurse@NHS.example",
            "roles": ["RESEARCH_NURSE"],
        },
    )
    staff = StaffMember.objects.get()
    assert response.status_code == 302
    assert (staff.site, staff.email, staff.roles) == (
        personas.site_a,
        "ada.nurse@nhs.example",
        ["RESEARCH_NURSE"],
    )
    assert staff.history.first().history_user == personas.coordinator_a


def test_adding_staff_shows_errors_next_to_fields_and_keeps_values(personas):
    StaffMemberFactory(site=personas.site_a, email="taken@nhs.example")
    client = personas.client_for(personas.coordinator_a)
    body = client.post(
        url("staff-add", personas.site_a),
        {
            "full_name": "Kept Name",
            "email": "taken@nhs.example",
        },
    ).content.decode()
    assert EMAIL_TAKEN in body and ROLES_REQUIRED in body
    assert 'value="Kept Name"' in body
    assert "There is a problem" in body


def test_deactivating_records_the_leaving_date_and_never_deletes(personas):
    staff = StaffMemberFactory(site=personas.site_a)
    TrainingRecordFactory(staff=staff)
    client = personas.client_for(personas.coordinator_a)
    response = client.post(
        url("staff-deactivate", personas.site_a, staff.pk), {"left_on": "2026-01-31"}
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.active, staff.left_on) == (False, dt.date(2026, 1, 31))
    assert TrainingRecord.objects.filter(staff=staff).count() == 1
    client.get(url("staff-list", personas.site_a))  # shows (and so consumes) the success message
    listing = client.get(url("staff-list", personas.site_a)).content.decode()
    assert staff.full_name not in listing
    assert (
        staff.full_name
        in client.get(url("staff-list", personas.site_a) + "?leavers=1").content.decode()
    )


def test_a_training_record_is_added_with_a_certificate(personas):
    staff = StaffMemberFactory(site=personas.site_a)
    course = CourseFactory(title="GCP")
    client = personas.client_for(personas.coordinator_a)
    response = client.post(
        url("record-add", personas.site_a, staff.pk),
        {
            "course": course.pk,
            "completed_on": "01/02/2025",
            "certificate": SimpleUploadedFile("gcp.pdf", PDF_BYTES),
        },
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get()
    assert record.completed_on == dt.date(2025, 2, 1)
    assert record.certificate.original_name == "gcp.pdf"
    detail = client.get(url("staff-detail", personas.site_a, staff.pk)).content.decode()
    assert reverse("sites:evidence", args=[personas.site_a.pk, record.certificate.pk]) in detail


def test_a_chosen_certificate_is_kept_when_another_field_is_wrong(personas):
    staff = StaffMemberFactory(site=personas.site_a)
    course = CourseFactory(title="GCP")
    client = personas.client_for(personas.coordinator_a)
    bad = client.post(
        url("record-add", personas.site_a, staff.pk),
        {
            "course": course.pk,
            "completed_on-day": "1",
            "completed_on-month": "",
            "completed_on-year": "2025",
            "certificate": SimpleUploadedFile("gcp.pdf", PDF_BYTES),
        },
    )
    body = bad.content.decode()
    assert "The date it was completed must include a month" in body
    assert "Your file <strong>gcp.pdf</strong> is kept" in body
    kept = re.search(r'name="pending_document" value="(\d+)"', body).group(1)
    assert not TrainingRecord.objects.exists()
    # The second submission sends no file, only the kept one's id: the record gets it.
    ok = client.post(
        url("record-add", personas.site_a, staff.pk),
        {
            "course": course.pk,
            "completed_on-day": "1",
            "completed_on-month": "2",
            "completed_on-year": "2025",
            "pending_document": kept,
        },
    )
    assert ok.status_code == 302
    record = TrainingRecord.objects.get()
    assert (record.certificate.pk, record.certificate.original_name) == (int(kept), "gcp.pdf")


def test_someone_elses_kept_file_cannot_be_claimed(personas):
    staff = StaffMemberFactory(site=personas.site_a)
    course = CourseFactory()
    colleague = MembershipFactory(site=personas.site_a, role=SiteMembership.Role.COORDINATOR).user
    body = (
        personas.client_for(personas.coordinator_a)
        .post(
            url("record-add", personas.site_a, staff.pk),
            {"course": course.pk, "certificate": SimpleUploadedFile("theirs.pdf", PDF_BYTES)},
        )
        .content.decode()
    )
    kept = re.search(r'name="pending_document" value="(\d+)"', body).group(1)
    response = personas.client_for(colleague).post(
        url("record-add", personas.site_a, staff.pk),
        {
            "course": course.pk,
            "completed_on": "2025-02-01",
            "pending_document": kept,
        },
    )
    assert response.status_code == 302
    assert TrainingRecord.objects.get().certificate is None


def test_a_training_record_rejects_bad_input_with_reasons(personas):
    staff = StaffMemberFactory(site=personas.site_a)
    course = CourseFactory()
    TrainingRecordFactory(staff=staff, course=course, completed_on=dt.date(2025, 1, 1))
    client = personas.client_for(personas.coordinator_a)
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    body = client.post(
        url("record-add", personas.site_a, staff.pk),
        {
            "course": course.pk,
            "completed_on": future,
            "certificate": SimpleUploadedFile("cert.pdf", EXE_BYTES),
        },
    ).content.decode()
    assert DATE_IN_FUTURE in body and ERROR_FILE_TYPE in body
    body = client.post(
        url("record-add", personas.site_a, staff.pk),
        {
            "course": course.pk,
            "completed_on": "2025-01-01",
        },
    ).content.decode()
    assert DUPLICATE_RECORD in body
    assert TrainingRecord.objects.count() == 1


def test_a_training_record_is_edited(personas):
    record = TrainingRecordFactory(staff=StaffMemberFactory(site=personas.site_a))
    client = personas.client_for(personas.coordinator_a)
    response = client.post(
        url("record-edit", personas.site_a, record.staff.pk, record.pk),
        {
            "course": record.course.pk,
            "completed_on": "2024-05-06",
            "notes": "<i>x</i>",
        },
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.completed_on, record.notes) == (dt.date(2024, 5, 6), "<i>x</i>")


@pytest.mark.parametrize(
    "name,args",
    [
        ("staff-list", ()),
        ("staff-add", ()),
        ("staff-detail", ("staff",)),
        ("staff-edit", ("staff",)),
        ("staff-deactivate", ("staff",)),
        ("record-add", ("staff",)),
        ("record-edit", ("staff", "record")),
    ],
)
def test_coordinator_b_gets_404_on_site_a_staff_pages(personas, name, args):
    record = TrainingRecordFactory(staff=StaffMemberFactory(site=personas.site_a))
    values = {"staff": record.staff.pk, "record": record.pk}
    target = url(name, personas.site_a, *[values[a] for a in args])
    client = personas.client_for(personas.coordinator_b)
    assert client.get(target).status_code == 404
    assert client.post(target, {}).status_code in (404, 405)


@pytest.mark.parametrize("name", ["staff-add", "staff-edit", "staff-deactivate", "record-add"])
def test_the_pharmacist_reads_staff_but_cannot_change_them(personas, name):
    staff = StaffMemberFactory(site=personas.site_a)
    client = personas.client_for(personas.pharmacist_a)
    assert client.get(url("staff-list", personas.site_a)).status_code == 200
    assert client.get(url("staff-detail", personas.site_a, staff.pk)).status_code == 200
    target = (
        url(name, personas.site_a) if name == "staff-add" else url(name, personas.site_a, staff.pk)
    )
    assert client.get(target).status_code == 404
    assert client.post(target, {"full_name": "x"}).status_code == 404


def test_staff_of_another_site_are_404_even_under_the_right_site(personas):
    other = StaffMemberFactory(site=personas.site_b)
    client = personas.client_for(personas.coordinator_a)
    assert client.get(url("staff-detail", personas.site_a, other.pk)).status_code == 404
