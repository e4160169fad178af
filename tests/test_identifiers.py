"""Every identifier format of domain.md §8: published examples pass, near misses fail."""

import pytest
from django.core.exceptions import ValidationError

from atmp_portal import identifiers

ACCEPTED = [
    ("iras", "9904317"),
    ("iras", "999712"),
    ("iras", " 9906128 "),
    ("isrctn", "ISRCTN99900012"),
    ("isrctn", "isrctn 99900012"),
    ("nct", "NCT09990001"),
    ("nct", "nct09990018"),
    ("eudract", "2019-999943-21"),
    ("eudract", "2004-000001-00"),
    ("eudract", "2021-999912-33"),
    ("eu_ct", "2024-599901-22-00"),
    ("eu_ct", "2025-523586-18-00"),
    ("rec_ref", "24/LO/0123"),
    ("cpms", "61234"),
    ("ods_trust", "RTD"),
    ("ods_trust", "R0A"),
    ("ods_trust", "R1H"),
    ("ods_trust_site", "RTD01"),
    ("ods_wales_hb", "7A4"),
    ("ods_wales_hb", "7A1"),
    ("ods_wales_hb", "7A7"),
    ("hta_licence", "11122"),
    ("hta_licence", "11016"),
    ("gmc", "1234567"),
    ("nmc", "98A1234E"),
    ("gphc", "2054321"),
    ("hcpc", "BS12345"),
]

REJECTED = [
    ("iras", "99043"),
    ("iras", "99043170"),
    ("iras", "99O4317"),
    ("iras", ""),
    ("isrctn", "ISRCTN9990001"),
    ("isrctn", "ISRCTN999000123"),
    ("isrctn", "99900012"),
    ("isrctn", "ISRCTN-99900012"),
    ("nct", "NCT0999000"),
    ("nct", "NCT099900011"),
    ("nct", "NTC09990001"),
    ("eudract", "2003-999943-21"),
    ("eudract", "2019-99994-21"),
    ("eudract", "2019-999943-2"),
    ("eudract", "19-999943-21"),
    ("eudract", "2030-999943-21"),
    ("eu_ct", "2024-499901-22-00"),
    ("eu_ct", "2019-599901-22-00"),
    ("eu_ct", "2024-599901-22"),
    ("eu_ct", "2024-599901-2-00"),
    ("rec_ref", "24/L0/0123"),
    ("rec_ref", "2024/LO/0123"),
    ("cpms", "123"),
    ("cpms", "12345678"),
    ("ods_trust", "ATD"),
    ("ods_trust", "RT"),
    ("ods_trust", "RTDX1X"),
    ("ods_trust_site", "RTD0"),
    ("ods_wales_hb", "7A8"),
    ("ods_wales_hb", "7A0"),
    ("ods_wales_hb", "7B4"),
    ("hta_licence", "1112"),
    ("hta_licence", "111222"),
    ("gmc", "123456"),
    ("nmc", "98A1234"),
    ("gphc", "12345678"),
    ("hcpc", "B12345"),
]


@pytest.mark.parametrize(("kind", "value"), ACCEPTED)
def test_it_accepts_published_examples(kind, value):
    identifiers.validate(kind, value)


@pytest.mark.parametrize(("kind", "value"), REJECTED)
def test_it_rejects_near_misses_with_the_expected_format(kind, value):
    with pytest.raises(ValidationError) as excinfo:
        identifiers.validate(kind, value)
    assert excinfo.value.messages == [identifiers.DESCRIPTIONS[kind]]


def test_it_normalises_case_and_spaces():
    assert identifiers.normalise(" isrctn 999 000 12 ") == "ISRCTN99900012"


@pytest.mark.parametrize(
    ("system", "code", "ok"),
    [
        ("ods_england_wales", "RTD", True),
        ("ods_england_wales", "7A4", True),
        ("ods_england_wales", "RTD01", True),
        ("ods_england_wales", "S08000031", False),
        ("scotland", "S08000031", True),
        ("northern_ireland", "ZT001", True),
        ("scotland", "S0-8", False),
    ],
)
def test_it_checks_organisation_codes_by_code_system(system, code, ok):
    if ok:
        identifiers.validate_org_code(system, code)
    else:
        with pytest.raises(ValidationError):
            identifiers.validate_org_code(system, code)


@pytest.mark.django_db
def test_trial_model_validation_names_each_bad_identifier():
    from tests.trials.factories import TrialFactory

    trial = TrialFactory.build(
        iras_id="12",
        isrctn="ISRCTN1",
        nct_number="NCT1",
        eudract_number="1999-1-1",
        eu_ct_number="2024-1",
    )
    with pytest.raises(ValidationError) as excinfo:
        trial.full_clean()
    assert set(excinfo.value.message_dict) >= {
        "iras_id",
        "isrctn",
        "nct_number",
        "eudract_number",
        "eu_ct_number",
    }
