"""The one date rule (atmp_portal/dates.py): forms, page queries, the API and CSV import."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from rest_framework.exceptions import ValidationError as ApiValidationError

from atmp_portal import dates
from atmp_portal.forms import Form
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
    "text",
    [
        "2027-3-1",
        "1/3/2027",
        "2027-02-30",
        "31/02/2026",
        "20270301",
        "+2027-03-01",
        "10000-01-01",
        "",
        "2027-03-01T00:00",
        "٢٠٢٧-٠٣-٠١",
    ],
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
    for text, message in [
        ("01/03/2027", dates.API_INVALID),
        ("0001-01-01", dates.API_OUT_OF_RANGE),
        ("2027-3-1", dates.API_INVALID),
    ]:
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
    response = client.post(
        "/api/v1/reports/",
        {"kind": "site", "site": personas.site_a.pk, "on": on},
        content_type="application/json",
    )
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
        {
            f"cap{capability.pk}-status": "in_place",
            f"cap{capability.pk}-expected_version": 0,
            f"cap{capability.pk}-evidence_expires_on": text,
        },
    )
    assert response.status_code in (200, 400)
    messages = dates.date_messages("the evidence expiry date")
    expected = messages["out_of_range" if text == "9999-12-31" else "invalid"]
    assert expected in response.content.decode()
    staff = StaffMemberFactory(site=personas.site_a)
    response = client.post(
        f"/sites/{personas.site_a.pk}/staff/{staff.pk}/deactivate/", {"left_on": text}
    )
    assert response.status_code in (200, 400)
    assert staff.__class__.objects.get(pk=staff.pk).active


# --- the NHS.UK date input: day, month and year boxes, one hint, one set of messages ----------


def _boxes(day: str, month: str, year: str, name: str = "when") -> dict[str, str]:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


class WhenForm(Form):
    when = dates.DateField(label="Target date")


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        (("27", "3", "2026"), dt.date(2026, 3, 27)),
        (("07", "03", "2026"), dt.date(2026, 3, 7)),
        ((" 1 ", "12", "2999"), dt.date(2999, 12, 31).replace(day=1)),
    ],
)
def test_the_date_input_reads_day_month_and_year_with_or_without_leading_zeros(boxes, expected):
    form = WhenForm(_boxes(*boxes))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["when"] == expected


@pytest.mark.parametrize(
    ("boxes", "message", "marked"),
    [
        (("", "", ""), "Enter the target date", ("day", "month", "year")),
        (("27", "", "2026"), "The target date must include a month", ("month",)),
        (("", "3", ""), "The target date must include a day and a year", ("day", "year")),
        (("27", "3", "26"), "The target date must include a year with 4 numbers", ("year",)),
        (
            ("31", "2", "2026"),
            "Enter the target date as a real date, for example 27 3 2026",
            ("day", "month", "year"),
        ),
        (
            ("x", "3", "2026"),
            "Enter the target date as a real date, for example 27 3 2026",
            ("day", "month", "year"),
        ),
        (
            ("1", "1", "1899"),
            "The target date must be between 1 1 1900 and 31 12 2999",
            ("day", "month", "year"),
        ),
    ],
)
def test_the_date_input_names_the_field_and_marks_only_the_wrong_boxes(boxes, message, marked):
    form = WhenForm(_boxes(*boxes))
    assert not form.is_valid()
    assert form.errors["when"] == [message]
    assert dates.error_boxes(form["when"]) == marked
    html = render_to_string("includes/_field.html", {"field": form["when"]})
    for box in ("day", "month", "year"):
        attrs = re.search(rf'<input class="([^"]*)" id="id_when-{box}"', html).group(1)
        assert ("nhsuk-input--error" in attrs) == (box in marked), box
    summary = render_to_string("includes/_error_summary.html", {"form": form})
    assert f'href="#id_when-{marked[0]}"' in summary


def test_the_date_input_is_the_nhsuk_markup_with_the_one_hint():
    form = WhenForm(initial={"when": dt.date(2026, 3, 27)})
    html = render_to_string("includes/_field.html", {"field": form["when"]})
    assert '<fieldset class="nhsuk-fieldset" role="group" aria-describedby="id_when-hint">' in html
    assert dates.DATE_HINT in html
    for box, text, width in (("day", "27", 2), ("month", "3", 2), ("year", "2026", 4)):
        assert (
            f'<input class="nhsuk-input nhsuk-date-input__input nhsuk-input--width-{width}" '
            f'id="id_when-{box}" name="when-{box}" type="text" inputmode="numeric" '
            f'value="{text}">'
        ) in html
    assert 'type="date"' not in html


def test_every_date_field_has_the_same_hint_after_its_own_help_text():
    field = dates.DateField(label="Target date", help_text="The day the gap should be closed by.")
    assert field.help_text == f"The day the gap should be closed by. {dates.DATE_HINT}"
    assert dates.DateField(label="Review due").help_text == dates.DATE_HINT


def test_a_date_sent_as_one_value_follows_the_typed_rule():
    # Links (the ranking's ?on=2026-03-31) send the date as one value, not three boxes.
    assert WhenForm({"when": "2026-03-31"}).is_valid()
    form = WhenForm({"when": "2026-3-31"})
    assert form.errors["when"] == ["Enter the target date as a real date, for example 27 3 2026"]
    html = render_to_string("includes/_field.html", {"field": form["when"]})
    assert 'id="id_when-month" name="when-month" type="text" inputmode="numeric" value="3"' in html


@pytest.mark.django_db
def test_the_ranking_is_assessed_on_the_date_of_its_three_boxes(personas):
    scenario = build_scenario(personas)
    client = personas.client_for(personas.national)
    query = {"trial": scenario.trial.pk, **_boxes("31", "3", "2026", name="on")}
    page = client.get("/readiness/", query)
    assert page.status_code == 200
    assert page.context["on"] == dt.date(2026, 3, 31)
    bad = client.get("/readiness/", {**query, "on-month": ""})
    assert "The date to assess as of must include a month" in bad.content.decode()


@pytest.mark.parametrize(
    "value",
    [
        *(dt.date(2027, month, day) for month in range(1, 13) for day in (1, 9, 28)),
        dates.EARLIEST,
        dates.LATEST,
        dt.date(2028, 2, 29),
    ],
)
def test_the_short_date_is_what_the_date_filter_writes(value):
    from django.template.defaultfilters import date as date_filter

    assert dates.short_date(value) == date_filter(value, "j M Y")
