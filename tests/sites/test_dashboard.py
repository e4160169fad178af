from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sites.models import Capability
from sites.services import capability_update
from tests.sites.factories import CapabilityFactory
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
    TrialSiteFactory,
)


def dashboard(client, site):
    return client.get(reverse("reports:site-dashboard", args=[site.pk]))


def _trial_with_two_capabilities(site):
    trial = TrialFactory(short_title="ORION-19")
    TrialSiteFactory(trial=trial, site=site)
    caps = [
        CapabilityFactory(name=f"Cap {i}", category=Capability.Category.STORAGE) for i in range(2)
    ]
    for cap in caps:
        CapabilityRequirementFactory(trial=trial, capabilities=[cap])
    return trial, caps


def test_the_score_rises_when_a_capability_is_put_in_place(personas):
    trial, caps = _trial_with_two_capabilities(personas.site_a)
    client = personas.client_for(personas.coordinator_a)
    body = dashboard(client, personas.site_a).content.decode()
    assert "ORION-19" in body and "0%" in body and "Not ready" in body
    assert (
        f"{reverse('reports:site-readiness', args=[personas.site_a.pk])}?trial={trial.pk}" in body
    )
    capability_update(
        site=personas.site_a,
        capability=caps[0],
        user=personas.coordinator_a,
        status="in_place",
        expected_version=0,
    )
    body = dashboard(client, personas.site_a).content.decode()
    assert "50%" in body
    assert "Storage: 50% (1 of 2)" in body
    assert "Checklist: Cap 0 added by" in body


def test_it_lists_evidence_and_training_expiring_within_90_days(personas):
    today = dt.date.today()
    cap = CapabilityFactory(name="Dewar SOP")
    capability_update(
        site=personas.site_a,
        capability=cap,
        user=personas.coordinator_a,
        status="in_place",
        expected_version=0,
        evidence_expires_on=today + dt.timedelta(days=30),
    )
    staff = StaffMemberFactory(site=personas.site_a, full_name="Ann Nurse")
    TrainingRecordFactory(
        staff=staff,
        course=CourseFactory(title="GCP", renewal_months=None),
        completed_on=today - dt.timedelta(days=10),
        expiry_override=today + dt.timedelta(days=200),
    )
    TrainingRecordFactory(
        staff=staff,
        course=CourseFactory(title="Cryo", renewal_months=None),
        completed_on=today - dt.timedelta(days=10),
        expiry_override=today - dt.timedelta(days=1),
    )
    body = dashboard(personas.client_for(personas.coordinator_a), personas.site_a).content.decode()
    assert "Dewar SOP" in body and "30 days left" in body
    assert "Ann Nurse: Cryo" in body and "Expired" in body
    assert "Ann Nurse: GCP" not in body


def test_coordinator_b_gets_404_on_site_a_dashboard(personas):
    assert (
        dashboard(personas.client_for(personas.coordinator_b), personas.site_a).status_code == 404
    )


def test_the_site_page_links_members_to_the_dashboard(personas):
    url = reverse("reports:site-dashboard", args=[personas.site_a.pk])
    page = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("sites:detail", args=[personas.site_a.pk]))
        .content.decode()
    )
    assert url in page


def test_the_site_page_names_the_members_roles_in_words(personas):
    page = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("sites:detail", args=[personas.site_a.pk]))
        .content.decode()
    )
    assert "Site coordinator" in page
    assert ">coordinator<" not in page


def _queries(client, site) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert dashboard(client, site).status_code == 200
    return len(ctx)


def test_the_dashboard_query_count_does_not_grow_with_staff_and_records(personas):
    trial, caps = _trial_with_two_capabilities(personas.site_a)
    profile = RequirementProfileFactory()
    course = CourseFactory()
    TrainingRequirementFactory(profile=profile, course=course)
    client = personas.client_for(personas.coordinator_a)
    small = _queries(client, personas.site_a)
    for cap in caps:
        capability_update(
            site=personas.site_a,
            capability=cap,
            user=personas.coordinator_a,
            status="in_place",
            expected_version=0,
            evidence_expires_on=dt.date.today() + dt.timedelta(days=20),
        )
    for _ in range(15):
        member = StaffMemberFactory(site=personas.site_a)
        TrainingRecordFactory(staff=member, course=course)
        TrainingRecordFactory(staff=member, course=CourseFactory(renewal_months=1))
    assert _queries(client, personas.site_a) == small


def _expiring_world(personas):
    today = dt.date.today()
    trial, caps = _trial_with_two_capabilities(personas.site_a)
    for cap, days in zip(caps, (30, -5), strict=True):
        capability_update(
            site=personas.site_a,
            capability=cap,
            user=personas.coordinator_a,
            status="in_place",
            expected_version=0,
            evidence_expires_on=today + dt.timedelta(days=days),
        )
    other = CapabilityFactory(name="Not for ORION")
    capability_update(
        site=personas.site_a,
        capability=other,
        user=personas.coordinator_a,
        status="in_place",
        expected_version=0,
        evidence_expires_on=today + dt.timedelta(days=10),
    )
    staff = StaffMemberFactory(site=personas.site_a, full_name="Ann Nurse")
    TrainingRecordFactory(
        staff=staff,
        course=CourseFactory(title="Cryo", renewal_months=None),
        completed_on=today - dt.timedelta(days=10),
        expiry_override=today - dt.timedelta(days=1),
    )
    return trial, caps, staff


def test_the_expiry_list_splits_expired_from_expiring_and_links_each_row(personas):
    _, caps, staff = _expiring_world(personas)
    site = personas.site_a
    body = dashboard(personas.client_for(personas.coordinator_a), site).content.decode()
    expired = body[body.index("<h3>Expired</h3>") : body.index("<h3>Expiring within")]
    expiring = body[body.index("<h3>Expiring within") : body.index("<h2>Recent changes")]
    cap_url = reverse("reports:capability", args=[site.pk, caps[1].pk])
    assert f'<a href="{cap_url}">Cap 1</a>' in expired and "Expired 5 days ago" in expired
    staff_url = reverse("training:staff-detail", args=[site.pk, staff.pk])
    assert f'<a href="{staff_url}">Ann Nurse: Cryo</a>' in expired
    assert "Cap 0" in expiring and "30 days left" in expiring and "Cap 1" not in expiring


def test_the_expiry_list_filters_by_kind_and_by_trial(personas):
    trial, _, _ = _expiring_world(personas)
    client = personas.client_for(personas.coordinator_a)
    url = reverse("reports:site-dashboard", args=[personas.site_a.pk])

    def expiry_part(params) -> str:
        body = client.get(url, params).content.decode()
        return body[body.index('id="expiry"') : body.index("<h2>Recent changes")]

    training_only = expiry_part({"kind": "training"})
    assert "Ann Nurse: Cryo" in training_only and 'data-expiry="evidence"' not in training_only
    for_trial = expiry_part({"trial": trial.pk})
    assert "Cap 0" in for_trial and "Not for ORION" not in for_trial
    assert "Ann Nurse: Cryo" not in for_trial  # ORION-19 needs no training
    assert "Select the kind from the list" in expiry_part({"kind": "nope"})
