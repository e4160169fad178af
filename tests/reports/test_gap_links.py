"""Every gap row points to what closes it: the readiness page, the dashboard, the API, the PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import override_settings
from django.urls import reverse

from actions.services import action_create
from reports import tasks
from sites.models import Capability
from tests.reports.test_jobs import build_scenario, make_report
from tests.reports.test_pdf import pdf_text
from tests.training.factories import StaffMemberFactory


@pytest.fixture
def scenario(personas):
    return build_scenario(personas)


def _item(personas, name):
    return reverse(
        "reports:capability", args=[personas.site_a.pk, Capability.objects.get(name=name).pk]
    )


def test_the_readiness_page_links_each_gap_to_its_item(personas, scenario):
    body = (
        personas.client_for(personas.coordinator_a)
        .get(
            reverse("reports:site-readiness", args=[personas.site_a.pk]),
            {"trial": scenario.trial.pk},
        )
        .content.decode()
    )
    for name in scenario.missing:
        assert f'<a href="{_item(personas, name)}">{name}</a>' in body
    matrix = reverse("reports:site-training-matrix", args=[personas.site_a.pk])
    assert f'href="{matrix}#course-' in body


def test_the_dashboard_lists_each_trials_blockers_linked_to_their_items(personas, scenario):
    body = (
        personas.client_for(personas.coordinator_a)
        .get(reverse("reports:site-dashboard", args=[personas.site_a.pk]))
        .content.decode()
    )
    assert "What blocks CARTX-01" in body
    for name in scenario.missing:
        assert f'<a href="{_item(personas, name)}">{name}</a>' in body


def test_the_api_gives_each_gap_the_absolute_url_that_closes_it(personas, scenario):
    response = personas.client_for(personas.coordinator_a).get(
        f"/api/v1/sites/{personas.site_a.pk}/readiness/", {"trial": scenario.trial.pk}
    )
    assert response.status_code == 200
    rows = {row["label"]: row["closes_at"] for row in response.json()["rows"]}
    for name in scenario.missing:
        assert rows[name] == f"http://testserver{_item(personas, name)}"


@override_settings(PORTAL_BASE_URL="https://portal.example.nhs.uk/")
def test_the_site_report_pdf_prints_the_url_of_each_gaps_item(personas, scenario):
    data, _ = tasks.build_files(make_report(personas, scenario))
    flat = "".join(pdf_text(data)[0].split())  # a long URL may wrap anywhere
    for name in scenario.missing:
        assert f"https://portal.example.nhs.uk{_item(personas, name)}" in flat


def test_the_site_report_carries_the_action_plan_in_the_pdf_and_the_csv(personas, scenario):
    ln2 = Capability.objects.get(code="ln2_storage")
    nurse = StaffMemberFactory(site=personas.site_a, full_name="Ann Nurse")
    action_create(
        site=personas.site_a,
        requirement_key="cap:ln2_storage",
        requirement_label=ln2.name,
        owner=nurse,
        target_date=dt.date(2027, 3, 31),
        user=personas.coordinator_a,
        note="Dewar ordered",
    )
    data, csv_data = tasks.build_files(make_report(personas, scenario))
    flat = " ".join(pdf_text(data)[0].split())
    assert "Action plan" in flat
    assert "Ann Nurse, by 31 Mar 2027: Dewar ordered" in flat
    assert "Not forecastable: 2 blockers have no action." in flat  # GMO containment, training
    assert "Cryogenic handling" in flat[flat.index("Action plan") :], flat[
        flat.index("Action plan") :
    ][:1500]
    rows = list(csv.DictReader(io.StringIO(csv_data.decode("utf-8-sig"))))
    by_label = {r["label"]: r for r in rows}
    assert (by_label[ln2.name]["action_owner"], by_label[ln2.name]["action_target_date"]) == (
        "Ann Nurse",
        "2027-03-31",
    )
    assert by_label[ln2.name]["action_note"] == "Dewar ordered"
    assert by_label["GMO class 1 containment"]["action_owner"] == ""
