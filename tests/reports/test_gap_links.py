"""Every gap row points to what closes it: the readiness page, the dashboard, the API, the PDF."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from reports import tasks
from sites.models import Capability
from tests.reports.test_jobs import build_scenario, make_report
from tests.reports.test_pdf import pdf_text


@pytest.fixture
def scenario(personas):
    return build_scenario(personas)


def _item(personas, name):
    return reverse("reports:capability",
                   args=[personas.site_a.pk, Capability.objects.get(name=name).pk])


def test_the_readiness_page_links_each_gap_to_its_item(personas, scenario):
    body = personas.client_for(personas.coordinator_a).get(
        reverse("reports:site-readiness", args=[personas.site_a.pk]), {"trial": scenario.trial.pk}
    ).content.decode()
    for name in scenario.missing:
        assert f'<a href="{_item(personas, name)}">{name}</a>' in body
    matrix = reverse("reports:site-training-matrix", args=[personas.site_a.pk])
    assert f'href="{matrix}#course-' in body


def test_the_dashboard_lists_each_trials_blockers_linked_to_their_items(personas, scenario):
    body = personas.client_for(personas.coordinator_a).get(
        reverse("reports:site-dashboard", args=[personas.site_a.pk])
    ).content.decode()
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
