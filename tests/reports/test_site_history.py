"""The site's change history: the dashboard's recent changes and the inspection CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import GapAction
from actions.services import action_create, action_update
from reports.site_history import CSV_COLUMNS, site_history
from sites.models import SiteCapability
from sites.services import capability_update
from sites.uploads import evidence_store
from tests.sites.factories import PDF_BYTES, CapabilityFactory
from tests.training.factories import CourseFactory
from training.models import StaffMember, TrainingRecord
from training.services import staff_create, staff_deactivate, staff_update, training_record_save


def _records(site, user, tag: str) -> None:
    """A checklist item changed twice (one with evidence), a staff member's life, training."""
    cap = CapabilityFactory(code=f"cap_{tag}", name=f"Capability {tag}")
    capability_update(
        site=site,
        capability=cap,
        user=user,
        status="in_progress",
        expected_version=0,
        reason=f"Started {tag}",
    )
    document = evidence_store(
        site=site, uploaded_file=SimpleUploadedFile(f"sop-{tag}.pdf", PDF_BYTES), user=user
    )
    capability_update(
        site=site,
        capability=cap,
        user=user,
        status="in_place",
        expected_version=1,
        reason=f"=Validated {tag}",
        new_document=document,
        evidence_expires_on=dt.date(2030, 1, 31),
    )
    staff = staff_create(
        site=site,
        user=user,
        full_name=f"Nurse {tag}",
        email=f"nurse.{tag}@nhs.example",
        roles=["research_nurse"],
    )
    staff_update(
        staff=staff,
        user=user,
        full_name=f"Nurse {tag}",
        email=staff.email,
        roles=staff.roles,
        job_title="Senior nurse",
    )
    course = CourseFactory(code=f"gcp_{tag}", title=f"GCP {tag}")
    record = training_record_save(
        staff=staff, user=user, course=course, completed_on=dt.date(2025, 1, 10)
    )
    training_record_save(
        staff=staff, user=user, course=course, record=record, completed_on=dt.date(2025, 2, 10)
    )
    action = action_create(
        site=site,
        requirement_key=f"cap:cap_{tag}",
        requirement_label=f"Capability {tag}",
        owner=user,
        target_date=dt.date(2027, 3, 31),
        user=user,
    )
    action_update(
        action=action,
        owner=user,
        target_date=dt.date(2027, 4, 30),
        status="done",
        user=user,
        reason=f"Closed {tag}",
    )
    staff_deactivate(staff=staff, user=user, left_on=dt.date(2026, 1, 1))


def _csv(client, site) -> list[dict]:
    response = client.get(reverse("reports:site-history-csv", args=[site.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _history_rows(site) -> int:
    return (
        SiteCapability.history.filter(site_id=site.pk).count()
        + StaffMember.history.filter(site_id=site.pk).count()
        + TrainingRecord.history.filter(staff__site_id=site.pk).count()
        + site.documents.count()
        + GapAction.history.filter(site_id=site.pk).count()
    )


def test_the_csv_holds_every_history_row_of_the_site_and_nothing_of_another(personas):
    _records(personas.site_a, personas.coordinator_a, "alpha")
    _records(personas.site_b, personas.coordinator_b, "beta")
    rows = _csv(personas.client_for(personas.coordinator_a), personas.site_a)
    assert list(rows[0]) == CSV_COLUMNS
    assert len(rows) == _history_rows(personas.site_a) == 2 + 1 + 3 + 2 + 2
    text = repr(rows)
    assert "alpha" in text and "beta" not in text and "coord.b" not in text
    assert {r["record"] for r in rows} == {"Checklist", "Evidence", "Staff", "Training", "Action"}
    closed = [r for r in rows if r["record"] == "Action"][-1]
    assert (closed["item"], closed["reason"]) == ("Capability alpha", "Closed alpha")
    assert "Target date: 31 March 2027 → 30 April 2027" in closed["changes"]


def test_each_row_says_who_when_old_new_and_the_whole_reason(personas):
    _records(personas.site_a, personas.coordinator_a, "alpha")
    rows = _csv(personas.client_for(personas.coordinator_a), personas.site_a)
    validated = next(r for r in rows if "Validated" in r["reason"])
    assert validated["who_email"] == personas.coordinator_a.email
    assert validated["action"] == "changed"
    assert "Status: In progress → In place" in validated["changes"]
    assert "Evidence expires on: (empty) → 31 January 2030" in validated["changes"]
    assert "Evidence added:  → sop-alpha.pdf" in validated["changes"]
    # A reason starting with "=" cannot run as a spreadsheet formula.
    assert validated["reason"] == "'=Validated alpha"
    left = [r for r in rows if r["record"] == "Staff"][-1]
    assert "In post: Yes → No" in left["changes"]
    assert "Left on: (empty) → 1 January 2026" in left["changes"]
    dt.datetime.fromisoformat(validated["when"])


def test_only_the_sites_coordinators_may_download_it(personas):
    url = reverse("reports:site-history-csv", args=[personas.site_a.pk])
    for user in (personas.pharmacist_a, personas.coordinator_b, personas.network, personas.nobody):
        assert personas.client_for(user).get(url).status_code == 404


def test_the_history_costs_the_same_queries_however_long_it_is(personas):
    _records(personas.site_a, personas.coordinator_a, "one")
    with CaptureQueriesContext(connection) as small:
        site_history(personas.site_a)
    for tag in ("two", "three", "four"):
        _records(personas.site_a, personas.coordinator_a, tag)
    with CaptureQueriesContext(connection) as large:
        site_history(personas.site_a)
    assert len(large) == len(small)


def test_the_dashboard_lists_recent_changes_and_links_the_csv(personas):
    _records(personas.site_a, personas.coordinator_a, "alpha")
    body = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("reports:site-dashboard", args=[personas.site_a.pk]))
        .content.decode()
    )
    assert "Checklist: Capability alpha changed" in body
    assert reverse("reports:site-history-csv", args=[personas.site_a.pk]) in body


def test_a_staff_members_roles_read_as_their_names_not_their_codes(personas):
    site, user = personas.site_a, personas.coordinator_a
    staff = staff_create(
        site=site,
        user=user,
        full_name="Nurse Roles",
        email="roles@nhs.example",
        roles=["RESEARCH_NURSE"],
    )
    staff_update(
        staff=staff,
        user=user,
        full_name=staff.full_name,
        email=staff.email,
        roles=["RESEARCH_NURSE", "TRIAL_PHARM"],
        job_title="",
    )
    changes = [
        r["changes"] for r in _csv(personas.client_for(user), site) if r["record"] == "Staff"
    ]
    assert any("Roles: (empty) → Research nurse" in c for c in changes)
    assert any(
        "Roles: Research nurse → Research nurse, Clinical trials pharmacist" in c for c in changes
    )
    assert not any("RESEARCH_NURSE" in c or "TRIAL_PHARM" in c for c in changes)
