"""The action plan: planning from a gap, changing with history, access, and the forecast."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import IntegrityError
from django.urls import reverse

from actions.forms import OWNER_REQUIRED, TARGET_DATE_REQUIRED
from actions.models import GapAction
from actions.selectors import forecast, open_actions_by_key
from actions.services import action_create, action_update
from sites.models import Capability, SiteMembership
from tests.sites.factories import CapabilityFactory, MembershipFactory
from tests.training.factories import StaffMemberFactory
from tests.trials.factories import CapabilityRequirementFactory, TrialFactory, TrialSiteFactory
from trials.models import RequirementLevel


@pytest.fixture
def gaps(personas):
    trial = TrialFactory(short_title="ORION-19")
    TrialSiteFactory(trial=trial, site=personas.site_a)
    caps = [
        CapabilityFactory(code=code, name=name, category=Capability.Category.STORAGE)
        for code, name in [("ln2", "Liquid nitrogen storage"), ("icu", "ICU cover")]
    ]
    for cap in caps:
        CapabilityRequirementFactory(trial=trial, capabilities=[cap])
    nurse = StaffMemberFactory(site=personas.site_a, full_name="Ann Nurse")
    return trial, nurse


def _plan(personas, nurse, key="cap:ln2", target=dt.date(2027, 3, 31)):
    return action_create(
        site=personas.site_a,
        requirement_key=key,
        requirement_label=key,
        owner=nurse,
        target_date=target,
        user=personas.coordinator_a,
    )


def test_the_forecast_is_the_latest_target_date_once_every_blocker_has_an_action(personas, gaps):
    _, nurse = gaps
    _plan(personas, nurse, "cap:ln2", dt.date(2027, 1, 31))
    assert forecast(["cap:ln2", "cap:icu"], open_actions_by_key(personas.site_a)).uncovered == 1
    _plan(personas, nurse, "cap:icu", dt.date(2027, 3, 31))
    result = forecast(["cap:ln2", "cap:icu"], open_actions_by_key(personas.site_a))
    assert (result.is_forecastable, result.ready_by) == (True, dt.date(2027, 3, 31))
    assert forecast([], {}).ready_by is None


def test_done_and_dropped_actions_cover_nothing(personas, gaps):
    _, nurse = gaps
    action = _plan(personas, nurse)
    action_update(
        action=action,
        owner=nurse,
        target_date=action.target_date,
        status="done",
        user=personas.coordinator_a,
        reason="Dewar delivered",
    )
    assert forecast(["cap:ln2"], open_actions_by_key(personas.site_a)).uncovered == 1
    assert [h.history_change_reason for h in action.history.all()] == [
        "Dewar delivered",
        "Action planned",
    ]


def test_an_action_has_exactly_one_owner(personas, gaps):
    _, nurse = gaps
    with pytest.raises(IntegrityError):
        GapAction.objects.create(
            site=personas.site_a,
            requirement_key="k",
            requirement_label="k",
            owner_staff=nurse,
            owner_user=personas.coordinator_a,
            target_date=dt.date(2027, 1, 1),
            created_by=personas.coordinator_a,
        )


def test_a_coordinator_plans_an_action_from_a_gap_and_errors_name_the_field(personas, gaps):
    _, nurse = gaps
    client = personas.client_for(personas.coordinator_a)
    url = reverse("reports:action-new", args=[personas.site_a.pk])
    page = client.get(url, {"gap": "cap:ln2"}).content.decode()
    assert "It blocks ORION-19" in page
    bad = client.post(
        url,
        {
            "gap": "cap:ln2",
            "owner": "",
            "target_date-day": "31",
            "target_date-month": "2",
            "target_date-year": "2027",
        },
    )
    body = bad.content.decode()
    assert OWNER_REQUIRED in body
    assert "Enter the target date as a real date, for example 27 3 2026" in body
    assert TARGET_DATE_REQUIRED in client.post(url, {"gap": "cap:ln2"}).content.decode()
    ok = client.post(
        url,
        {
            "gap": "cap:ln2",
            "owner": f"staff-{nurse.pk}",
            "target_date": "31/03/2027",
            "note": "Order placed",
        },
    )
    assert ok.status_code == 302
    action = GapAction.objects.get()
    assert (action.owner_staff, action.target_date, action.requirement_label) == (
        nurse,
        dt.date(2027, 3, 31),
        "Liquid nitrogen storage",
    )


def test_only_real_gaps_and_the_sites_own_staff_may_be_chosen(personas, gaps):
    other_site_staff = StaffMemberFactory(site=personas.site_b)
    client = personas.client_for(personas.coordinator_a)
    url = reverse("reports:action-new", args=[personas.site_a.pk])
    assert client.get(url, {"gap": "cap:not-a-gap"}).status_code == 404
    response = client.post(
        url,
        {"gap": "cap:ln2", "owner": f"staff-{other_site_staff.pk}", "target_date": "31/03/2027"},
    )
    assert "Select the owner from the list" in response.content.decode()
    assert not GapAction.objects.exists()


def test_others_cannot_plan_or_change_site_a_actions(personas, gaps):
    _, nurse = gaps
    action = _plan(personas, nurse)
    new = reverse("reports:action-new", args=[personas.site_a.pk])
    edit = reverse("reports:action-edit", args=[personas.site_a.pk, action.pk])
    for user in (personas.pharmacist_a, personas.coordinator_b, personas.network):
        client = personas.client_for(user)
        assert client.get(new, {"gap": "cap:ln2"}).status_code == 404
        assert client.post(edit, {"status": "done"}).status_code == 404
    # Site B's coordinator cannot reach it through their own site either.
    b_edit = reverse("reports:action-edit", args=[personas.site_b.pk, action.pk])
    assert personas.client_for(personas.coordinator_b).get(b_edit).status_code == 404


def test_the_dashboard_shows_open_overdue_actions_and_the_forecast(personas, gaps):
    trial, nurse = gaps
    _plan(personas, nurse, "cap:ln2", dt.date(2020, 1, 1))
    body = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("reports:site-dashboard", args=[personas.site_a.pk]))
        .content.decode()
    )
    assert "1 open action, 1 overdue" in body
    assert "Not forecastable: 1 blocker has no action." in body
    assert "Action: Ann Nurse, by 1 January 2020" in body


@pytest.fixture
def warning(personas, gaps):
    """A recommended requirement of the same trial: a warning, not a blocker."""
    trial, _ = gaps
    cap = CapabilityFactory(
        code="apheresis", name="Apheresis unit", category=Capability.Category.CLINICAL
    )
    CapabilityRequirementFactory(
        trial=trial, capabilities=[cap], level=RequirementLevel.RECOMMENDED
    )
    return cap


def test_every_blocker_and_warning_on_the_readiness_page_offers_an_action(personas, gaps, warning):
    trial, nurse = gaps
    _plan(personas, nurse, "cap:ln2", dt.date(2027, 3, 31))
    readiness = reverse("reports:site-readiness", args=[personas.site_a.pk])
    body = personas.client_for(personas.coordinator_a).get(readiness, {"trial": trial.pk})
    page = body.content.decode()
    new = reverse("reports:action-new", args=[personas.site_a.pk])
    for key, label in (("cap:icu", "ICU cover"), ("cap:apheresis", "Apheresis unit")):
        assert f'href="{new}?gap={key.replace(":", "%3A")}&amp;next=' in page
        assert f'Add an action<span class="nhsuk-u-visually-hidden"> for {label}</span>' in page
    assert "Action: Ann Nurse, by 31 March 2027" in page
    assert 'Add another action<span class="nhsuk-u-visually-hidden"> for Liquid nitrogen' in page
    # Readers see the plan but are offered no change; nor is anyone on a past date.
    network = personas.client_for(personas.network).get(readiness, {"trial": trial.pk})
    assert "Action: Ann Nurse" in network.content.decode()
    assert "Add an action" not in network.content.decode()
    past = personas.client_for(personas.coordinator_a).get(
        readiness, {"trial": trial.pk, "on": "2026-01-01"}
    )
    assert "Add an action" not in past.content.decode()


def test_an_action_added_from_the_readiness_page_returns_there(personas, gaps, warning):
    trial, nurse = gaps
    client = personas.client_for(personas.coordinator_a)
    back = f"{reverse('reports:site-readiness', args=[personas.site_a.pk])}?trial={trial.pk}"
    new = reverse("reports:action-new", args=[personas.site_a.pk])
    form = client.get(new, {"gap": "cap:apheresis", "next": back}).content.decode()
    assert (
        "It is a warning for ORION-19" in form and f'value="{back.replace("&", "&amp;")}"' in form
    )
    response = client.post(
        new,
        {
            "gap": "cap:apheresis",
            "next": back,
            "owner": f"staff-{nurse.pk}",
            "target_date": "31/03/2027",
        },
    )
    assert response.status_code == 302 and response.url == back
    assert GapAction.objects.get().requirement_label == "Apheresis unit"
    # Another site's page, or another host, is not a place to return to.
    for elsewhere in (f"/sites/{personas.site_b.pk}/readiness/", "https://evil.example/sites/1/"):
        response = client.post(
            new,
            {
                "gap": "cap:icu",
                "next": elsewhere,
                "owner": f"staff-{nurse.pk}",
                "target_date": "31/03/2027",
            },
        )
        assert response.url.endswith(
            reverse("reports:site-dashboard", args=[personas.site_a.pk]) + "#action-plan"
        )


def test_each_trials_forecast_on_the_dashboard_follows_its_own_blockers(personas, gaps):
    orion, nurse = gaps
    vega = TrialFactory(short_title="VEGA-2")
    TrialSiteFactory(trial=vega, site=personas.site_a)
    CapabilityRequirementFactory(trial=vega, capabilities=[Capability.objects.get(code="ln2")])
    dashboard = reverse("reports:site-dashboard", args=[personas.site_a.pk])
    client = personas.client_for(personas.coordinator_a)

    def forecasts() -> dict[str, str]:
        page = client.get(dashboard).content.decode()
        return {
            t.short_title: re.search(rf'data-forecast="trial={t.pk}">(.*?)</p>', page, re.S)
            .group(1)
            .strip()
            for t in (orion, vega)
        }

    _plan(personas, nurse, "cap:ln2", dt.date(2027, 1, 31))
    assert forecasts() == {
        "ORION-19": "Not forecastable: 1 blocker has no action.",
        "VEGA-2": "<strong>Ready by 31 January 2027</strong> if the open actions are completed.",
    }
    late = _plan(personas, nurse, "cap:icu", dt.date(2027, 6, 30))
    assert forecasts()["ORION-19"] == (
        "<strong>Ready by 30 June 2027</strong> if the open actions are completed."
    )
    action_update(
        action=late,
        owner=nurse,
        target_date=late.target_date,
        status="dropped",
        user=personas.coordinator_a,
        reason="Not needed",
    )
    assert forecasts()["ORION-19"] == "Not forecastable: 1 blocker has no action."


def test_a_leavers_action_is_closed_and_a_two_role_member_can_own_one(personas, gaps):
    _, nurse = gaps
    action = _plan(personas, nurse)
    nurse.active = False
    nurse.save()
    MembershipFactory(
        site=personas.site_a, user=personas.coordinator_a, role=SiteMembership.Role.PHARMACIST
    )
    client = personas.client_for(personas.coordinator_a)
    edit = reverse("reports:action-edit", args=[personas.site_a.pk, action.pk])
    assert "Ann Nurse (current owner)" in client.get(edit).content.decode()
    response = client.post(
        edit,
        {
            "status": "done",
            "owner": f"staff-{nurse.pk}",
            "target_date": "31/03/2027",
            "reason": "Done before leaving",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.owner_staff) == ("done", nurse)
    response = client.post(
        edit,
        {
            "status": "open",
            "owner": f"user-{personas.coordinator_a.pk}",
            "target_date": "31/03/2027",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.owner_user == personas.coordinator_a


def test_the_history_names_the_owners_not_their_ids(personas, gaps):
    _, nurse = gaps
    pharmacist = StaffMemberFactory(site=personas.site_a, full_name="Priya Pharmacist")
    action = _plan(personas, nurse)
    action_update(
        action=action,
        owner=pharmacist,
        target_date=action.target_date,
        status="open",
        user=personas.coordinator_a,
        reason="Pharmacy leads the dewar order",
    )
    client = personas.client_for(personas.coordinator_a)
    page = client.get(reverse("reports:action-edit", args=[personas.site_a.pk, action.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ann Nurse" in html and "Priya Pharmacist" in html
    csv_text = client.get(reverse("reports:site-history-csv", args=[personas.site_a.pk]))
    assert "Owner (site staff): Ann Nurse → Priya Pharmacist" in csv_text.content.decode(
        "utf-8-sig"
    )
    assert f"→ {pharmacist.pk}\n" not in csv_text.content.decode("utf-8-sig")


def test_the_history_shows_the_labels_users_see_not_the_stored_codes(personas, gaps):
    _, nurse = gaps
    action = _plan(personas, nurse)
    action_update(
        action=action,
        owner=personas.coordinator_a,
        target_date=dt.date(2027, 4, 30),
        status="dropped",
        user=personas.coordinator_a,
        reason="The trust bought one",
    )
    client = personas.client_for(personas.coordinator_a)
    page = client.get(reverse("reports:action-edit", args=[personas.site_a.pk, action.pk]))
    csv_text = client.get(
        reverse("reports:site-history-csv", args=[personas.site_a.pk])
    ).content.decode("utf-8-sig")
    for shown in (page.content.decode(), csv_text):
        assert "Status: Open → Dropped" in shown
        assert "Target date: 31 March 2027 → 30 April 2027" in shown
        assert "Owner (site staff): Ann Nurse → (empty)" in shown
        # The portal's own way of naming a user (as on the action list), not "Name <e-mail>".
        assert f"Owner (portal user): (empty) → {personas.coordinator_a.full_name}" in shown
        assert f"{personas.coordinator_a.email}&gt;" not in shown
        assert f"{personas.coordinator_a.email}>" not in shown
        assert "open →" not in shown and "→ dropped" not in shown
