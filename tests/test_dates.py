"""The one date rule (atmp_portal/dates.py): forms, page queries, the API and CSV import."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from rest_framework.exceptions import ValidationError as ApiValidationError

from atmp_portal import dates
from tests.reports.test_ranking import build_scenario
from tests.training.factories import StaffMemberFactory

EXTREMES = ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-01", dt.date(2027, 3, 1)),
        ("01/03/2027", dt.date(2027, 3, 1)),
        ("1900-01-01", dates.EARLIEST),
        ("31/12/2999", dates.LATEST),
        (" 2027-03-01 ", dt.date(2027, 3, 1)),
    ],
)
def test_it_reads_padded_iso_and_uk_dates(text, expected):
    assert dates.parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["2027-3-1", "1/3/2027", "2027-02-30", "31/02/2026", "20270301", "+2027-03-01",
             "10000-01-01", "", "2027-03-01T00:00", "٢٠٢٧-٠٣-٠١"],
)
def test_it_refuses_unpadded_impossible_and_odd_dates(text):
    with pytest.raises(ValueError):
        dates.parse_date(text)


@pytest.mark.parametrize("text", EXTREMES)
def test_it_refuses_real_dates_outside_the_range(text):
    with pytest.raises(dates.DateOutOfRange):
        dates.parse_date(text)


def test_the_form_field_names_the_range_and_the_api_field_takes_iso_only():
    field = dates.DateField(required=False)
    with pytest.raises(ValidationError) as error:
        field.clean("9999-12-31")
    assert error.value.messages == [dates.FORM_OUT_OF_RANGE]
    with pytest.raises(ValidationError) as error:
        field.clean("2027-3-1")
    assert error.value.messages == [dates.FORM_INVALID]
    api_field = dates.ApiDateField()
    assert api_field.run_validation("2027-03-01") == dt.date(2027, 3, 1)
    for text, message in [("01/03/2027", dates.API_INVALID), ("0001-01-01", dates.API_OUT_OF_RANGE),
                          ("2027-3-1", dates.API_INVALID)]:
        with pytest.raises(ApiValidationError) as error:
            api_field.run_validation(text)
        assert error.value.detail == [message]


# --- every date input, end to end: a clear refusal, never a 500 --------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("on", [*EXTREMES, "2027-3-1"])
def test_the_ranking_page_and_readiness_api_refuse_extreme_dates(personas, on):
    scenario = build_scenario(personas)
    client = personas.client_for(personas.national)
    page = client.get("/readiness/", {"trial": scenario.trial.pk, "on": on})
    assert page.status_code == 200
    assert 'id="id_on-error"' in page.content.decode()
    assert page.context["ranked"] == []
    site_page = client.get(f"/sites/{personas.site_a.pk}/readiness/", {"on": on})
    assert site_page.status_code in (200, 400)
    for url in ("/api/v1/readiness/", f"/api/v1/sites/{personas.site_a.pk}/readiness/"):
        response = client.get(url, {"profile": "cart-core", "on": on})
        assert response.status_code == 400, url
        assert list(response.json()) == ["on"]


@pytest.mark.django_db
@pytest.mark.parametrize("on", ["9999-12-31", "0001-01-01", "2027-3-1"])
def test_a_report_request_refuses_extreme_dates(personas, on):
    client = personas.client_for(personas.coordinator_a)
    response = client.post("/api/v1/reports/", {"kind": "site", "site": personas.site_a.pk, "on": on},
                           content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["on"]
    page = client.post("/reports/new/", {"kind": "site", "site": personas.site_a.pk, "on": on})
    assert page.status_code in (200, 400)
    assert 'id="id_on-error"' in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["9999-12-31", "2027-3-1"])
def test_the_checklist_and_training_forms_refuse_them_by_the_field(personas, text):
    from tests.sites.factories import CapabilityFactory

    capability = CapabilityFactory()
    client = personas.client_for(personas.coordinator_a)
    response = client.post(
        f"/sites/{personas.site_a.pk}/checklist/{capability.pk}/",
        {f"cap{capability.pk}-status": "in_place", f"cap{capability.pk}-expected_version": 0,
         f"cap{capability.pk}-evidence_expires_on": text},
    )
    assert response.status_code in (200, 400)
    assert "Enter a" in response.content.decode()
    staff = StaffMemberFactory(site=personas.site_a)
    response = client.post(
        f"/sites/{personas.site_a.pk}/staff/{staff.pk}/deactivate/", {"left_on": text}
    )
    assert response.status_code in (200, 400)
    assert staff.__class__.objects.get(pk=staff.pk).active
