from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertInHTML

from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import (
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
    TrialSiteFactory,
)
from training.matrix import training_matrix

TODAY = dt.date(2026, 6, 1)


def test_each_cell_says_valid_expiring_expired_or_missing(personas):
    course = CourseFactory(title="GCP", renewal_months=12)
    valid, expiring, expired, missing = (
        StaffMemberFactory(site=personas.site_a, full_name=n)
        for n in ("A Valid", "B Expiring", "C Expired", "D Missing")
    )
    TrainingRecordFactory(staff=valid, course=course, completed_on=dt.date(2026, 1, 1))
    TrainingRecordFactory(staff=expiring, course=course, completed_on=dt.date(2025, 7, 1))
    TrainingRecordFactory(staff=expired, course=course, completed_on=dt.date(2025, 1, 1))
    # An older, expired completion does not hide the renewal.
    TrainingRecordFactory(staff=valid, course=course, completed_on=dt.date(2024, 1, 1))
    courses, rows = training_matrix(site=personas.site_a, course_ids=[course.pk], on=TODAY)
    assert courses == [course]
    assert [(r.staff.full_name, r.cells[0].label) for r in rows] == [
        ("A Valid", "Valid"),
        ("B Expiring", "Expiring"),
        ("C Expired", "Expired"),
        ("D Missing", "Missing"),
    ]


def test_leavers_are_left_out_of_the_matrix(personas):
    StaffMemberFactory(site=personas.site_a, active=False, full_name="Gone Person")
    _, rows = training_matrix(site=personas.site_a, course_ids=[], on=TODAY)
    assert rows == []


def _seed_requirements(site):
    trial = TrialFactory()
    TrialSiteFactory(trial=trial, site=site)
    profile = RequirementProfileFactory()
    trial_course = CourseFactory(title="Trial product training")
    profile_course = CourseFactory(title="Cryogenic handling")
    TrainingRequirementFactory(trial=trial, course=trial_course)
    TrainingRequirementFactory(profile=profile, course=profile_course)
    unrelated = TrialFactory()
    TrainingRequirementFactory(trial=unrelated, course=CourseFactory(title="Unrelated course"))
    return trial_course, profile_course


def test_the_matrix_page_shows_courses_of_the_sites_trials_and_the_profiles(personas):
    trial_course, profile_course = _seed_requirements(personas.site_a)
    StaffMemberFactory(site=personas.site_a, full_name="Zed Person")
    body = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("reports:site-training-matrix", args=[personas.site_a.pk]))
        .content.decode()
    )
    assert "Trial product training" in body and "Cryogenic handling" in body
    assert "Unrelated course" not in body
    assert body.count(">Missing<") == 2


def test_coordinator_b_gets_404_on_site_a_matrix(personas):
    response = personas.client_for(personas.coordinator_b).get(
        reverse("reports:site-training-matrix", args=[personas.site_a.pk])
    )
    assert response.status_code == 404


def _matrix_queries(client, site) -> int:
    cache.clear()  # the requirement sets are built each time (catalogue_cache.py)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("reports:site-training-matrix", args=[site.pk]))
        assert response.status_code == 200
    return len(ctx)


def test_the_matrix_query_count_does_not_grow_with_staff_and_records(personas):
    trial_course, profile_course = _seed_requirements(personas.site_a)
    client = personas.client_for(personas.coordinator_a)
    StaffMemberFactory(site=personas.site_a)
    small = _matrix_queries(client, personas.site_a)
    for _ in range(20):
        member = StaffMemberFactory(site=personas.site_a)
        TrainingRecordFactory(staff=member, course=trial_course)
        TrainingRecordFactory(staff=member, course=profile_course)
    assert _matrix_queries(client, personas.site_a) == small


def test_a_course_no_requirement_asks_of_a_persons_roles_is_not_required(personas):
    course = CourseFactory(title="Cryogenic handling")
    nurse = StaffMemberFactory(site=personas.site_a, full_name="A Nurse", roles=["RESEARCH_NURSE"])
    pharmacist = StaffMemberFactory(
        site=personas.site_a, full_name="B Pharmacist", roles=["TRIAL_PHARM", "QA_PHARM"]
    )
    TrainingRecordFactory(staff=nurse, course=course, completed_on=dt.date(2026, 1, 1))
    _, rows = training_matrix(
        site=personas.site_a,
        course_ids=[course.pk],
        on=TODAY,
        course_roles={course.pk: {"QA_PHARM"}},
    )
    assert [(r.cells[0].label, r.cells[0].required) for r in rows] == [
        ("Valid", False),  # a record is still shown, marked as not needed for the role
        ("Missing", True),
    ]
    _, rows = training_matrix(
        site=personas.site_a, course_ids=[course.pk], on=TODAY, course_roles={course.pk: {"PI"}}
    )
    assert rows[1].cells[0].label == "Not required"
    # "Any role" among the roles needing it: everyone needs it.
    _, rows = training_matrix(
        site=personas.site_a, course_ids=[course.pk], on=TODAY, course_roles={course.pk: {"PI", ""}}
    )
    assert rows[1].cells[0].label == "Missing"
    assert pharmacist == rows[1].staff


def _role_requirements(site):
    trial = TrialFactory()
    TrialSiteFactory(trial=trial, site=site)
    course = CourseFactory(title="Apheresis handling", code="apheresis-handling")
    TrainingRequirementFactory(trial=trial, course=course, role="RESEARCH_NURSE")
    StaffMemberFactory(site=site, full_name="A Nurse", roles=["RESEARCH_NURSE"])
    StaffMemberFactory(site=site, full_name="B Scientist", roles=["CELL_LAB_SCI"])
    return course


def test_the_matrix_page_says_not_required_for_a_role_no_trial_asks(personas):
    _role_requirements(personas.site_a)
    body = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("reports:site-training-matrix", args=[personas.site_a.pk]))
        .content.decode()
    )
    assert body.count(">Missing<") == 1
    assert body.count(">Not required<") == 1
    assert reverse("reports:site-training-matrix-csv", args=[personas.site_a.pk]) in body


def test_the_matrix_exports_as_csv_with_the_same_cells(personas):
    course = _role_requirements(personas.site_a)
    TrainingRecordFactory(
        staff=personas.site_a.staff.get(full_name="A Nurse"),
        course=course,
        completed_on=dt.date(2026, 1, 1),
        expiry_override=dt.date(2030, 1, 1),
    )
    response = personas.client_for(personas.coordinator_a).get(
        reverse("reports:site-training-matrix-csv", args=[personas.site_a.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "staff_member,roles,Apheresis handling (apheresis-handling)",
        "A Nurse,Research nurse,Valid to 2030-01-01",
        "B Scientist,Cell therapy laboratory scientist,Not required",
    ]


def test_the_matrix_csv_is_access_checked_like_the_matrix(personas):
    _role_requirements(personas.site_a)
    response = personas.client_for(personas.coordinator_b).get(
        reverse("reports:site-training-matrix-csv", args=[personas.site_a.pk])
    )
    assert response.status_code == 404
    anonymous = Client().get(reverse("reports:site-training-matrix-csv", args=[personas.site_a.pk]))
    assert anonymous.status_code == 302


def _tag(colour: str, label: str, *notes: str) -> str:
    extra = "".join(f'<br><span class="nhsuk-body-s">{note}</span>' for note in notes)
    return f'<td><strong class="nhsuk-tag nhsuk-tag--{colour}">{label}</strong>{extra}</td>'


def test_each_row_links_the_person_and_labels_every_cell(personas):
    """Every row of the page, markup and all: the name linked to the person's page, and each
    cell's tag, "not required for their role" and expiry date."""
    from django.template.defaultfilters import date as date_filter
    from django.utils import timezone

    site, today = personas.site_a, timezone.localdate()
    trial = TrialFactory()
    TrialSiteFactory(trial=trial, site=site)
    apheresis = CourseFactory(title="Apheresis handling", renewal_months=12)
    gcp = CourseFactory(title="Good clinical practice", renewal_months=12)
    TrainingRequirementFactory(trial=trial, course=apheresis, role="RESEARCH_NURSE")
    TrainingRequirementFactory(trial=trial, course=gcp)
    nurse = StaffMemberFactory(site=site, full_name="A Nurse & <Co>", roles=["RESEARCH_NURSE"])
    scientist = StaffMemberFactory(site=site, full_name="B Scientist", roles=["CELL_LAB_SCI"])
    lapsed = StaffMemberFactory(site=site, full_name="C Lapsed", roles=["RESEARCH_NURSE"])
    pharmacist = StaffMemberFactory(site=site, full_name="D Pharmacist", roles=["TRIAL_PHARM"])
    StaffMemberFactory(site=site, full_name="E Leaver", active=False)
    records = {
        (member, course): TrainingRecordFactory(
            staff=member, course=course, completed_on=today - dt.timedelta(days=days)
        )
        for member, course, days in [
            (nurse, apheresis, 30),
            (nurse, gcp, 350),
            (scientist, apheresis, 30),
            (lapsed, apheresis, 400),
        ]
    }

    def to(member, course) -> str:
        return "to " + date_filter(records[member, course].expires_on, "j M Y")

    body = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("reports:site-training-matrix", args=[site.pk]))
        .content.decode()
    )
    expected = {
        nurse: [
            _tag("green", "Valid", to(nurse, apheresis)),
            _tag("yellow", "Expiring", to(nurse, gcp)),
        ],
        scientist: [
            _tag("green", "Valid", "not required for their role", to(scientist, apheresis)),
            _tag("grey", "Missing"),
        ],
        lapsed: [_tag("red", "Expired", to(lapsed, apheresis)), _tag("grey", "Missing")],
        pharmacist: [_tag("white", "Not required"), _tag("grey", "Missing")],
    }
    for member, cells in expected.items():
        url = reverse("training:staff-detail", args=[site.pk, member.pk])
        name = member.full_name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assertInHTML(
            f'<tr><th scope="row"><a href="{url}">{name}</a></th>{"".join(cells)}</tr>',
            body,
            count=1,
        )
    assert body.count("<tr>") == 1 + len(expected)  # the heading row, then one per active person
    assert "E Leaver" not in body
