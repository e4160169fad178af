from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from training import importer
from training.models import TrainingRecord

HEADER = "email,course_code,completed_on,expiry_override,notes\n"
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def setup(personas):
    StaffMemberFactory(site=personas.site_a, email="ann@nhs.example", full_name="Ann A")
    StaffMemberFactory(site=personas.site_b, email="bob@nhs.example")
    CourseFactory(code="gcp", title="GCP")
    CourseFactory(code="cryo", title="Cryogenic handling")
    return personas


def preview(site, text: str | bytes):
    raw = text.encode() if isinstance(text, str) else text
    return importer.training_import_preview(site=site, raw=raw, on=TODAY)


def upload_csv(client, site, text: str | bytes):
    raw = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("training:import", args=[site.pk]), {"file": SimpleUploadedFile("t.csv", raw)}
    )


def apply_import(client, site, token: str, **kwargs):
    return client.post(reverse("training:import-apply", args=[site.pk]), {"token": token}, **kwargs)


def token_of(preview_page) -> str:
    """The token the preview page's Import form sends back."""
    return preview_page.content.decode().split('name="token" value="')[1].split('"')[0]


def test_it_names_the_expected_headers_when_they_are_wrong(setup):
    with pytest.raises(importer.ImportFileError) as error:
        preview(setup.site_a, "mail,course,date\nann@nhs.example,gcp,2026-01-01\n")
    assert str(error.value) == importer.ERROR_HEADERS
    assert "email, course_code, completed_on, expiry_override, notes" in importer.ERROR_HEADERS


def test_it_refuses_a_file_that_is_not_utf8(setup):
    raw = (HEADER + "ann@nhs.example,gcp,2026-01-01,,Café\n").encode("cp1252")
    with pytest.raises(importer.ImportFileError) as error:
        preview(setup.site_a, raw)
    assert str(error.value) == importer.ERROR_ENCODING


def test_it_accepts_utf8_with_a_bom_and_both_date_formats(setup):
    raw = b"\xef\xbb\xbf" + (
        HEADER + "ann@nhs.example,gcp,2026-01-01,,\nANN@nhs.example,cryo,31/12/2025,,Caf\xc3\xa9\n"
    ).encode("latin-1")
    result = preview(setup.site_a, raw)
    assert [r.action for r in result.rows] == ["create", "create"]
    assert result.rows[1].completed_on == dt.date(2025, 12, 31)


@pytest.mark.parametrize(
    "line,message",
    [
        (
            "bob@nhs.example,gcp,2026-01-01,,",
            importer.ROW_UNKNOWN_EMAIL.format(value="bob@nhs.example"),
        ),
        ("ann@nhs.example,nope,2026-01-01,,", importer.ROW_UNKNOWN_COURSE.format(value="nope")),
        ("ann@nhs.example,gcp,2026-06-02,,", importer.ROW_FUTURE_DATE.format(value="2026-06-02")),
        (
            "ann@nhs.example,gcp,2026-13-01,,",
            importer.ROW_BAD_DATE.format(column="completed_on", value="2026-13-01"),
        ),
        (
            "ann@nhs.example,gcp,01/02/26x,,",
            importer.ROW_BAD_DATE.format(column="completed_on", value="01/02/26x"),
        ),
        (
            "ann@nhs.example,gcp,2026-01-01,yesterday,",
            importer.ROW_BAD_DATE.format(column="expiry_override", value="yesterday"),
        ),
        (",gcp,2026-01-01,,", importer.ROW_MISSING.format(column="email")),
        ("ann@nhs.example,gcp,2026-01-01,2025-01-01,", importer.ROW_EXPIRY_BEFORE_COMPLETION),
    ],
)
def test_each_bad_row_gets_its_reason(setup, line, message):
    result = preview(setup.site_a, HEADER + "ann@nhs.example,cryo,2026-01-01,,\n" + line + "\n")
    assert [r.action for r in result.rows] == ["create", "error"]
    assert result.rows[1].errors == [message]
    assert result.rows[1].line == 3


def test_it_flags_a_duplicate_row_in_the_file(setup):
    result = preview(
        setup.site_a,
        HEADER + "ann@nhs.example,gcp,2026-01-01,,\nann@nhs.example,gcp,01/01/2026,,again\n",
    )
    assert result.rows[1].errors == [importer.ROW_DUPLICATE.format(line=2)]


def test_a_row_matching_an_existing_record_is_an_update(setup):
    ann = setup.site_a.staff.get()
    TrainingRecordFactory(
        staff=ann, course=CourseFactory(code="gcp"), completed_on=dt.date(2026, 1, 1)
    )
    result = preview(setup.site_a, HEADER + "ann@nhs.example,gcp,2026-01-01,2027-01-01,renewed\n")
    assert result.rows[0].action == "update"


def test_the_preview_writes_nothing(setup):
    client = setup.client_for(setup.coordinator_a)
    before = TrainingRecord.objects.count()
    body = upload_csv(
        client, setup.site_a, HEADER + "ann@nhs.example,gcp,2026-01-01,,\n"
    ).content.decode()
    assert "1 new record" in body and "Nothing has been saved yet" in body
    assert TrainingRecord.objects.count() == before


def test_a_file_with_one_bad_row_imports_nothing_and_shows_the_reason(setup):
    client = setup.client_for(setup.coordinator_a)
    body = upload_csv(
        client,
        setup.site_a,
        HEADER + "ann@nhs.example,gcp,2026-01-01,,\nann@nhs.example,nope,2026-01-01,,\n",
    ).content.decode()
    assert "nothing has been imported" in body
    assert "Row 3: There is no course with the code nope" in body
    assert 'name="token"' not in body
    assert not TrainingRecord.objects.exists()


def test_apply_imports_the_previewed_file_with_history(setup):
    client = setup.client_for(setup.coordinator_a)
    token = token_of(
        upload_csv(client, setup.site_a, HEADER + "ann@nhs.example,gcp,2026-01-01,,first\n")
    )
    response = apply_import(client, setup.site_a, token)
    assert response.status_code == 302
    record = TrainingRecord.objects.get()
    assert record.notes == "first"
    assert record.history.get().history_user == setup.coordinator_a
    # The token is spent.
    again = apply_import(client, setup.site_a, token, follow=True)
    assert "no longer available" in again.content.decode()
    assert TrainingRecord.objects.count() == 1


def test_apply_is_all_or_nothing(setup):
    raw = (
        HEADER + "ann@nhs.example,gcp,2026-01-01,,\nann@nhs.example,cryo,2026-01-01,,\n"
    ).encode()
    setup.site_a.staff.update(email="renamed@nhs.example")  # changed after the preview
    with pytest.raises(importer.ImportHasErrors) as error:
        importer.training_import(site=setup.site_a, raw=raw, user=setup.coordinator_a, on=TODAY)
    assert len(error.value.preview.error_rows) == 2
    assert not TrainingRecord.objects.exists()


def test_coordinator_b_gets_404_on_site_a_imports(setup):
    client = setup.client_for(setup.coordinator_b)
    for name in ("import", "import-template", "import-courses", "import-apply"):
        url = reverse(f"training:{name}", args=[setup.site_a.pk])
        assert client.get(url).status_code in (404, 405)
        assert client.post(url, {"token": "abc"}).status_code == 404
    # Nor can a token from site A's session be replayed under site B.
    client_a = setup.client_for(setup.coordinator_a)
    token = token_of(
        upload_csv(client_a, setup.site_a, HEADER + "ann@nhs.example,gcp,2026-01-01,,\n")
    )
    assert apply_import(client, setup.site_a, token).status_code == 404


def test_the_template_has_the_headers_and_an_example_row_with_a_real_course_code(setup):
    response = setup.client_for(setup.coordinator_a).get(
        reverse("training:import-template", args=[setup.site_a.pk])
    )
    lines = response.content.decode().splitlines()
    assert lines[0] == HEADER.strip()
    assert lines[1] == "jane.example@nhs.example,cryo,2026-01-31,,Example row: replace or delete it"
    assert "attachment" in response["Content-Disposition"]
    # Uploaded unchanged, only the made-up e-mail is wrong: the code and the date are real.
    row = preview(setup.site_a, response.content).rows[0]
    assert row.errors == [
        "No staff member at this site has the e-mail address jane.example@nhs.example"
    ]


def test_the_import_page_lists_course_codes_with_names_and_offers_them_as_csv(setup):
    client = setup.client_for(setup.coordinator_a)
    body = client.get(reverse("training:import", args=[setup.site_a.pk])).content.decode()
    assert "<code>cryo</code>" in body and "Cryogenic handling" in body
    assert "<code>gcp</code>" in body
    courses_url = reverse("training:import-courses", args=[setup.site_a.pk])
    assert courses_url in body
    response = client.get(courses_url)
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode().splitlines() == [
        "course_code,title",
        "cryo,Cryogenic handling",
        "gcp,GCP",
    ]


def test_the_course_codes_csv_defuses_formula_cells(setup):
    CourseFactory(code="evil", title="=HYPERLINK(1)")
    response = setup.client_for(setup.coordinator_a).get(
        reverse("training:import-courses", args=[setup.site_a.pk])
    )
    assert "evil,'=HYPERLINK(1)" in response.content.decode().splitlines()


def test_the_preview_shows_course_names(setup):
    body = upload_csv(
        setup.client_for(setup.coordinator_a),
        setup.site_a,
        HEADER + "ann@nhs.example,cryo,2026-01-01,,\nann@nhs.example,nope,2026-01-01,,\n",
    ).content.decode()
    assert 'Cryogenic handling <span class="nhsuk-body-s">(cryo)</span>' in body
    assert ">nope<" in body  # an unknown code is shown as typed


def big_file(rows: int) -> bytes:
    """`rows` records for 200 staff and 50 courses (tests/bench/bench_importer.py times it)."""
    lines = [f"s{i % 200}@nhs.example,c{(i // 200) % 50},2025-01-01,,row {i}" for i in range(rows)]
    return (HEADER + "\n".join(lines) + "\n").encode()


def test_a_10000_row_file_previews_and_imports_with_constant_queries(setup):
    staff = [
        StaffMemberFactory.build(site=setup.site_a, email=f"s{i}@nhs.example") for i in range(200)
    ]
    type(staff[0]).objects.bulk_create(staff)
    for i in range(50):
        CourseFactory(code=f"c{i}")
    counts = {}
    for rows in (100, 10_000):
        with CaptureQueriesContext(connection) as ctx:
            result = importer.training_import_preview(
                site=setup.site_a, raw=big_file(rows), on=TODAY
            )
        assert result.creates == rows and not result.has_errors
        counts[rows] = len(ctx)
    assert counts == {100: 3, 10_000: 3}
    client = setup.client_for(setup.coordinator_a)
    response = upload_csv(client, setup.site_a, big_file(10_000))
    assert response.status_code == 200 and "10000 new records" in response.content.decode()
    apply_import(client, setup.site_a, token_of(response))
    assert TrainingRecord.objects.count() == 10_000
