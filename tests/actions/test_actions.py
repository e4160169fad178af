"""The action plan: planning from a gap, changing with history, access, and the forecast."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError
from django.urls import reverse

from actions.forms import OWNER_REQUIRED, TARGET_DATE_REQUIRED
from actions.models import GapAction
from actions.selectors import forecast, open_actions_by_key
from actions.services import action_create, action_update
from sites.models import Capability
from tests.sites.factories import CapabilityFactory
from tests.training.factories import StaffMemberFactory
from tests.trials.factories import CapabilityRequirementFactory, TrialFactory, TrialSiteFactory


@pytest.fixture
def gaps(personas):
    trial = TrialFactory(short_title="ORION-19")
    TrialSiteFactory(trial=trial, site=personas.site_a)
    caps = [CapabilityFactory(code=code, name=name, category=Capability.Category.STORAGE)
            for code, name in [("ln2", "Liquid nitrogen storage"), ("icu", "ICU cover")]]
    for cap in caps:
        CapabilityRequirementFactory(trial=trial, capabilities=[cap])
    nurse = StaffMemberFactory(site=personas.site_a, full_name="Ann Nurse")
    return trial, nurse


def _plan(personas, nurse, key="cap:ln2", target=dt.date(2027, 3, 31)):
    return action_create(site=personas.site_a, requirement_key=key,
                         requirement_label=key, owner=nurse, target_date=target,
                         user=personas.coordinator_a)


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
    action_update(action=action, owner=nurse, target_date=action.target_date, status="done",
                  user=personas.coordinator_a, reason="Dewar delivered")
    assert forecast(["cap:ln2"], open_actions_by_key(personas.site_a)).uncovered == 1
    assert [h.history_change_reason for h in action.history.all()] == [
        "Dewar delivered", "Action planned"]


def test_an_action_has_exactly_one_owner(personas, gaps):
    _, nurse = gaps
    with pytest.raises(IntegrityError):
        GapAction.objects.create(site=personas.site_a, requirement_key="k", requirement_label="k",
                                 owner_staff=nurse, owner_user=personas.coordinator_a,
                                 target_date=dt.date(2027, 1, 1), created_by=personas.coordinator_a)


def test_a_coordinator_plans_an_action_from_a_gap_and_errors_name_the_field(personas, gaps):
    _, nurse = gaps
    client = personas.client_for(personas.coordinator_a)
    url = reverse("reports:action-new", args=[personas.site_a.pk])
    page = client.get(url, {"gap": "cap:ln2"}).content.decode()
    assert "It blocks ORION-19" in page
    bad = client.post(url, {"gap": "cap:ln2", "owner": "", "target_date-day": "31",
                            "target_date-month": "2", "target_date-year": "2027"})
    body = bad.content.decode()
    assert OWNER_REQUIRED in body
    assert "Enter the target date as a real date, for example 27 3 2026" in body
    assert TARGET_DATE_REQUIRED in client.post(url, {"gap": "cap:ln2"}).content.decode()
    ok = client.post(url, {"gap": "cap:ln2", "owner": f"staff-{nurse.pk}",
                           "target_date": "31/03/2027", "note": "Order placed"})
    assert ok.status_code == 302
    action = GapAction.objects.get()
    assert (action.owner_staff, action.target_date, action.requirement_label) == (
        nurse, dt.date(2027, 3, 31), "Liquid nitrogen storage")


def test_only_real_gaps_and_the_sites_own_staff_may_be_chosen(personas, gaps):
    other_site_staff = StaffMemberFactory(site=personas.site_b)
    client = personas.client_for(personas.coordinator_a)
    url = reverse("reports:action-new", args=[personas.site_a.pk])
    assert client.get(url, {"gap": "cap:not-a-gap"}).status_code == 404
    response = client.post(url, {"gap": "cap:ln2", "owner": f"staff-{other_site_staff.pk}",
                                 "target_date": "31/03/2027"})
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
    body = personas.client_for(personas.coordinator_a).get(
        reverse("reports:site-dashboard", args=[personas.site_a.pk])
    ).content.decode()
    assert "1 open action, 1 overdue" in body
    assert "Not forecastable: 1 blocker has no action." in body
    assert "Action: Ann Nurse, by 1 January 2020" in body
