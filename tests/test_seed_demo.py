"""`manage.py seed_demo`: idempotent, meets the issue's numbers, and readiness differs by site.

The demo data is seeded once for the module inside an outer transaction that is rolled back at
the end, so other test modules still start from an empty database. Each test runs in a
savepoint inside it, so tests that seed again (a later day, --scale) leave nothing behind.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, Q

from accounts.models import User
from atmp_portal import identifiers
from demo.catalogue import GUIDANCE_EFFECTIVE_DATE, load
from demo.management.commands.seed_demo import BAD_DATE, BAD_SCALE, REFUSED_WITHOUT_DEBUG
from demo.seed import count_rows, seed_demo
from demo.users import DEFAULT_DEMO_PASSWORD
from guidance.models import GuidanceDocument, GuidanceVersion
from guidance.rendering import render_markdown
from guidance.search import search
from sites.models import (
    Capability,
    NetworkRegion,
    Region,
    Site,
    SiteCapability,
    SiteMembership,
)
from training.models import Course, StaffMember, TrainingRecord, add_months
from trials.models import CapabilityRequirement, TrainingRequirement, Trial, TrialSite

ANCHOR = dt.date(2026, 11, 23)


def snapshot() -> dict[str, list]:
    """Every seeded row by id and natural key, sorted: equal snapshots = the same rows."""

    def rows(queryset, *fields):
        return sorted(queryset.values_list("pk", *fields), key=str)

    return {
        "regions": rows(Region.objects, "code", "name"),
        "sites": rows(Site.objects, "ods_code", "name", "region__code", "is_demo"),
        "capability requirements": rows(
            CapabilityRequirement.objects,
            "profile__code",
            "trial__iras_id",
            "level",
            "capabilities__code",
        ),
        "training requirements": rows(
            TrainingRequirement.objects,
            "profile__code",
            "trial__iras_id",
            "course__code",
            "role",
            "min_staff",
        ),
        "trial sites": rows(TrialSite.objects, "trial__iras_id", "site__ods_code", "status"),
        "guidance": rows(GuidanceVersion.objects, "document__slug", "number", "status"),
        "guidance links": rows(
            GuidanceDocument.capabilities.through.objects,
            "guidancedocument__slug",
            "capability__code",
        )
        + rows(GuidanceDocument.courses.through.objects, "guidancedocument__slug", "course__code"),
        "guidance document history": rows(
            GuidanceDocument.history, "id", "history_date", "history_change_reason"
        ),
        "site capabilities": rows(
            SiteCapability.objects,
            "site__ods_code",
            "capability__code",
            "status",
            "evidence_expires_on",
            "version",
        ),
        "staff": rows(StaffMember.objects, "site__ods_code", "email", "roles", "active", "left_on"),
        "training": rows(
            TrainingRecord.objects,
            "staff__site__ods_code",
            "staff__email",
            "course__code",
            "completed_on",
        ),
        "users": rows(User.objects, "email", "network_scope", "is_guidance_editor", "is_superuser"),
        "memberships": rows(SiteMembership.objects, "user__email", "site__ods_code", "role"),
        "network regions": rows(NetworkRegion.objects, "user__email", "region__code"),
        # The year of history behind them: ids, dates and values.
        "site capability history": rows(
            SiteCapability.history,
            "id",
            "history_date",
            "history_type",
            "history_change_reason",
            "status",
            "evidence_expires_on",
            "version",
        ),
        "staff history": rows(StaffMember.history, "id", "history_date", "active", "left_on"),
        "training history": rows(
            TrainingRecord.history,
            "id",
            "history_date",
            "history_change_reason",
            "completed_on",
        ),
        "trial site history": rows(TrialSite.history, "id", "history_date", "status"),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed with the service, then again with the command; keep both snapshots."""
    with django_db_blocker.unblock(), transaction.atomic():
        first = seed_demo(anchor=ANCHOR)
        first_rows, first_counts = snapshot(), count_rows()
        out = io.StringIO()
        call_command(
            "seed_demo",
            "--as-of",
            ANCHOR.isoformat(),
            "--i-know-this-is-not-production",
            stdout=out,
            stderr=io.StringIO(),
        )
        yield {
            "first": first,
            "first_rows": first_rows,
            "first_counts": first_counts,
            "second_rows": snapshot(),
            "second_counts": count_rows(),
            "output": out.getvalue(),
        }
        transaction.set_rollback(True)


@pytest.fixture
def data(seeded, db):
    return seeded


def test_it_gives_the_same_rows_when_run_twice(data):
    assert data["second_counts"] == data["first_counts"]
    for table, rows in data["first_rows"].items():
        assert data["second_rows"][table] == rows, table


def test_the_second_run_writes_nothing_and_prints_the_summary(data):
    output = data["output"]
    assert "Site records written this run: nothing (already up to date)." in output
    assert "Sites planned this run: 0 (37 unchanged since the last run" in output
    assert re.search(r"Sites \(real NHS organisations\)\s+37", output)
    assert f"password: {DEFAULT_DEMO_PASSWORD}" in output
    assert "coordinator@demo.nhs.uk" in output


def test_it_loads_every_rrdn_region_and_devolved_nation(data):
    kinds = Counter(Region.objects.values_list("kind", flat=True))
    assert kinds == {Region.Kind.RRDN: 12, Region.Kind.NATION: 3}


def test_it_loads_at_least_30_real_sites_with_valid_codes_and_regions(data):
    real = Site.objects.exclude(name__startswith="Synthetic")
    assert real.count() >= 30
    for site in real:
        site.full_clean()
        assert site.is_demo
    assert real.values("region").distinct().count() == 15


def test_it_loads_the_catalogues_with_their_custom_entries(data):
    counts = data["first_counts"]
    assert counts["Capabilities"] >= 50
    assert counts["Courses"] >= 25
    assert set(Capability.objects.filter(is_custom=True).values_list("code", flat=True)) == {
        "haemophilia_ccc"
    }
    assert set(Course.objects.filter(is_custom=True).values_list("code", flat=True)) == {
        "il2_toxicity"
    }
    ln2 = Capability.objects.get(code="ln2_vapour_storage")
    assert ln2.evidence_expected[0] == {
        "type": "validation_report",
        "label": "validation/mapping report",
        "validity_months": 24,
    }
    assert ln2.applies_when == ["cryopreserved"]


def test_it_loads_the_requirement_profiles_with_an_any_of_pair(data):
    profiles = data["first_counts"]["Requirement profiles"]
    assert profiles >= 3
    any_of = (
        CapabilityRequirement.objects.filter(profile__code="car_t_core")
        .annotate(alternatives=Count("capabilities"))
        .filter(alternatives__gt=1)
    )
    assert [sorted(r.capabilities.values_list("code", flat=True)) for r in any_of] == [
        ["jacie_hct_accreditation", "jacie_iec_accreditation"]
    ]
    assert TrainingRequirement.objects.filter(
        profile__code="car_t_core", course__code="cart_toxicity", role="WARD_NURSE", min_staff=4
    ).exists()


def test_it_loads_8_demo_trials_with_valid_identifiers_and_3_to_8_sites(data):
    trials = Trial.objects.annotate(site_count=Count("trial_sites"))
    assert trials.count() == 8
    for trial in trials:
        trial.full_clean()
        assert trial.is_demo
        assert 3 <= trial.site_count <= 8, trial
        assert trial.profiles.exists() or trial.capability_requirements.exists()
    orion = Trial.objects.get(iras_id="9904317")
    assert (orion.nct_number, orion.eu_ct_number) == ("NCT09990001", "2024-599901-22-00")
    assert orion.capability_requirements.filter(capabilities__code="hta_export_import_licence")


def test_it_publishes_one_sanitised_version_of_each_guidance_document(data):
    documents = GuidanceDocument.objects.all()
    assert documents.count() >= 15
    review_months = {row["slug"]: row["review_months"] for row in load("guidance")}
    for document in documents:
        (version,) = document.versions.all()
        assert (version.number, version.status) == (1, GuidanceVersion.Status.PUBLISHED)
        assert version.effective_date == GUIDANCE_EFFECTIVE_DATE
        assert version.review_due == add_months(
            GUIDANCE_EFFECTIVE_DATE, review_months[document.slug]
        )
        assert version.body_html.startswith("<p>")
        assert "<h2>" in version.body_html
        assert version.published_by.email == "editor@demo.nhs.uk"
        assert "<" not in version.body_text and len(version.body_text) > 200
    if connection.vendor == "postgresql":
        assert not GuidanceVersion.objects.filter(search_vector=None).exists()


def test_each_demo_guidance_document_names_the_capabilities_and_courses_it_supports(data):
    wanted = {row["slug"]: row for row in load("guidance")}
    documents = GuidanceDocument.objects.prefetch_related("capabilities", "courses")
    for document in documents:
        row = wanted[document.slug]
        assert {c.code for c in document.capabilities.all()} == set(row["capabilities"])
        assert {c.code for c in document.courses.all()} == set(row["courses"])
        assert row["capabilities"], document.slug
    # Set through the editor's service, so the document's history says who set them.
    assert GuidanceDocument.history.filter(
        history_change_reason="Capabilities and courses set by editor@demo.nhs.uk"
    ).values("id").distinct().count() == len(wanted)


def test_checklist_items_and_gap_rows_show_the_demo_guidance(data, client):
    client.post(
        "/accounts/login/",
        {"username": "coordinator@demo.nhs.uk", "password": DEFAULT_DEMO_PASSWORD},
    )
    site = SiteMembership.objects.filter(user__email="coordinator@demo.nhs.uk").first().site
    checklist = client.get(f"/sites/{site.pk}/checklist/").content.decode()
    assert 'href="/guidance/keeping-atmps-in-vapour-phase-liquid-nitrogen/"' in checklist
    assert "app-guidance-helps" in checklist
    # The site's readiness gaps (its trials and every profile) name the guidance for the
    # capability or course missing.
    readiness = client.get(f"/sites/{site.pk}/readiness/").content.decode()
    assert "app-guidance-helps" in readiness


def test_seeded_guidance_is_found_by_search(data):
    pharmacist = User.objects.get(email="pharmacist@demo.nhs.uk")
    results = list(search(q="tocilizumab", user=pharmacist))
    assert results[0].document.slug == "tocilizumab-and-other-medicines-around-car-t-infusion"


def test_it_creates_one_demo_user_per_role_with_the_password(data):
    users = {user.email: user for user in User.objects.filter(email__endswith="@demo.nhs.uk")}
    assert len(users) == 7
    for user in users.values():
        assert user.check_password(DEFAULT_DEMO_PASSWORD), user.email

    def sites_of(email):
        return set(
            SiteMembership.objects.filter(user=users[email]).values_list("site__ods_code", "role")
        )

    assert sites_of("coordinator@demo.nhs.uk") == {("RTD", "coordinator")}
    assert sites_of("pharmacist@demo.nhs.uk") == {("RTD", "pharmacist")}
    assert sites_of("coordinator.ucl@demo.nhs.uk") == {("RRV", "coordinator")}
    network = users["network@demo.nhs.uk"]
    assert network.network_scope == User.NetworkScope.REGIONS
    assert set(
        NetworkRegion.objects.filter(user=network).values_list("region__code", flat=True)
    ) == {"NENC", "YH"}
    assert users["national@demo.nhs.uk"].network_scope == User.NetworkScope.NATIONAL
    assert users["editor@demo.nhs.uk"].is_guidance_editor
    admin = users["admin@demo.nhs.uk"]
    assert admin.is_superuser and admin.is_staff
    assert not any(u.is_staff for email, u in users.items() if email != "admin@demo.nhs.uk")


def test_readiness_differs_from_site_to_site(data):
    in_place = dict(
        Site.objects.annotate(
            n=Count("capabilities", filter=Q(capabilities__status=SiteCapability.Status.IN_PLACE))
        ).values_list("ods_code", "n")
    )
    assert len(set(in_place.values())) >= 10
    advanced = [in_place[code] for code in ("RTD", "RRV", "R0A", "RBV", "RRK")]
    developing = [in_place[code] for code in ("RM1", "REN", "RQ3", "RK9", "RH8")]
    assert min(advanced) > max(developing)


def test_checklists_hold_every_status_and_evidence_state(data):
    entries = list(SiteCapability.objects.all())
    statuses = Counter(entry.status for entry in entries)
    assert set(statuses) == set(SiteCapability.Status.values)
    assert all(e.not_applicable_reason for e in entries if e.status == "not_applicable")
    expiries = [
        (e.evidence_expires_on - ANCHOR).days
        for e in entries
        if e.status == SiteCapability.Status.IN_PLACE and e.evidence_expires_on
    ]
    assert any(days < 0 for days in expiries)  # expired
    assert any(0 <= days < 90 for days in expiries)  # expiring
    assert any(days >= 90 for days in expiries)  # valid
    met = [e for e in entries if e.is_met_on(ANCHOR)]
    assert 0 < len(met) < len(entries)


def test_sites_have_12_to_30_staff_with_uk_names_and_a_few_leavers(data):
    for site in Site.objects.prefetch_related("staff"):
        staff = list(site.staff.all())
        assert 12 <= len(staff) <= 30, site.ods_code
        leavers = [person for person in staff if not person.active]
        assert 1 <= len(leavers) <= 2
        assert all(person.left_on and person.left_on < ANCHOR for person in leavers)
        for person in staff:
            first, last = person.full_name.split(" ", 1)
            expected = f"{first.lower()}.{re.sub(r'[^a-z]', '', last.lower())}@"
            assert person.email == f"{expected}{site.ods_code.lower()}.nhs.example"
    roles = Counter(
        role for roles in StaffMember.objects.values_list("roles", flat=True) for role in roles
    )
    assert {"PI", "TRIAL_PHARM", "WARD_NURSE", "CELL_LAB_SCI", "HTA_DI", "BSO"} <= set(roles)


def test_training_is_valid_expiring_expired_or_missing(data):
    records = TrainingRecord.objects.select_related("course", "staff")
    statuses = Counter(record.status_on(ANCHOR) for record in records)
    for status in ("valid", "expiring", "expired"):
        assert statuses[status] > 0, status
    assert statuses["not_yet"] == 0
    # Missing: someone whose role the course names has no record of it.
    gcp = Course.objects.get(code="gcp")
    nurses = StaffMember.objects.filter(roles__contains=["RESEARCH_NURSE"])
    assert nurses.exclude(training__course=gcp).exists()
    assert nurses.filter(training__course=gcp).exists()


def test_a_later_day_moves_dates_on_the_same_rows(data):
    before = snapshot()
    expiry = SiteCapability.objects.exclude(evidence_expires_on=None).first()
    history = [(row.history_date, row.history_change_reason) for row in expiry.history.all()]

    result = seed_demo(anchor=ANCHOR + dt.timedelta(days=30))

    after = snapshot()
    for table in before:
        if "history" in table:  # rewritten: it is dated from the anchor (checked below)
            continue
        assert [row[0] for row in after[table]] == [row[0] for row in before[table]], table
    moved = SiteCapability.objects.get(pk=expiry.pk)
    assert moved.evidence_expires_on == expiry.evidence_expires_on + dt.timedelta(days=30)
    assert moved.version == expiry.version + 1
    shifted = {pk: completed for pk, *_, completed in after["training"]}
    assert all(
        shifted[pk] - completed == dt.timedelta(days=30) for pk, *_, completed in before["training"]
    )
    assert result.changes["TrainingRecord updated"] == len(before["training"])
    # The history is dated from the anchor too: it moves with it, reasons unchanged.
    assert [(row.history_date, row.history_change_reason) for row in moved.history.all()] == [
        (when + dt.timedelta(days=30), reason) for when, reason in history
    ]


def test_scale_adds_synthetic_sites_deterministically_and_idempotently(data):
    real_sites = Site.objects.count()

    seed_demo(scale=1, anchor=ANCHOR)
    first, counts = snapshot(), count_rows()
    again = seed_demo(scale=1, anchor=ANCHOR)

    assert snapshot() == first
    assert count_rows() == counts
    assert (again.planned, again.unchanged) == (0, 2 * real_sites)
    synthetic = Site.objects.filter(name__startswith="Synthetic Hospital ")
    assert synthetic.count() == real_sites
    assert Site.objects.count() == 2 * real_sites
    codes = set(synthetic.values_list("ods_code", flat=True))
    assert all(re.fullmatch(r"RZ[0-9A-Z]{3}", code) for code in codes)
    assert all(identifiers.is_valid("ods_trust_site", code) for code in codes)
    assert synthetic.filter(name="Synthetic Hospital 0001 NHS Foundation Trust").exists()
    assert synthetic.values("region").distinct().count() == 13
    per_site = Counter(TrialSite.objects.filter(site__in=synthetic).values_list("site", flat=True))
    assert len(per_site) == synthetic.count() and set(per_site.values()) <= {1, 2, 3}
    assert StaffMember.objects.filter(site__in=synthetic).count() >= 12 * synthetic.count()
    assert TrainingRecord.objects.filter(staff__site__in=synthetic).exists()
    assert SiteCapability.objects.filter(site__in=synthetic).exists()
    # A year of history behind them, as the real sites have: a past date means something.
    year_ago = dt.datetime.combine(ANCHOR - dt.timedelta(days=300), dt.time(), dt.UTC)
    for model in (SiteCapability, StaffMember):
        assert model.history.filter(site__in=synthetic, history_date__lt=year_ago).exists()
    assert TrainingRecord.history.filter(
        staff_id__in=StaffMember.objects.filter(site__in=synthetic).values("pk"),
        history_change_reason="Training renewed",
    ).exists()
    changed = SiteCapability.history.filter(site__in=synthetic, history_type="~")
    assert changed.values("site").distinct().count() > synthetic.count() // 2


def test_a_rerun_plans_only_the_sites_whose_records_changed_since(data):
    again = seed_demo(anchor=ANCHOR)
    assert (again.planned, again.unchanged) == (0, 37)
    item = SiteCapability.objects.filter(status=SiteCapability.Status.IN_PLACE).first()
    # A coordinator's edit, and a record deleted by hand at another site (no Django signal).
    SiteCapability.objects.filter(pk=item.pk).update(status=SiteCapability.Status.NOT_IN_PLACE)
    record = TrainingRecord.objects.exclude(staff__site=item.site).first()
    TrainingRecord.objects.filter(pk=record.pk).delete()

    result = seed_demo(anchor=ANCHOR)

    assert (result.planned, result.unchanged) == (2, 35)
    assert SiteCapability.objects.get(pk=item.pk).status == SiteCapability.Status.IN_PLACE
    assert TrainingRecord.objects.filter(
        staff=record.staff, course=record.course, completed_on=record.completed_on
    ).exists()
    assert seed_demo(anchor=ANCHOR).planned == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scale", "0"], BAD_SCALE),
        (["--scale", "two"], BAD_SCALE),
        (["--as-of", "23/11/2026"], BAD_DATE),
    ],
)
def test_the_command_explains_bad_options(data, args, message):
    with pytest.raises(CommandError) as error:
        call_command("seed_demo", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert message in str(error.value)


def test_the_command_refuses_with_debug_off_and_says_why_in_one_line(data, settings):
    settings.DEBUG = False
    before = count_rows()
    with pytest.raises(CommandError) as error:
        call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert str(error.value) == REFUSED_WITHOUT_DEBUG
    assert "\n" not in REFUSED_WITHOUT_DEBUG
    assert "--i-know-this-is-not-production" in REFUSED_WITHOUT_DEBUG
    assert "password" in REFUSED_WITHOUT_DEBUG
    assert count_rows() == before


def test_the_command_runs_with_debug_on_without_the_flag(data, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", "--as-of", ANCHOR.isoformat(), stdout=out, stderr=io.StringIO())
    assert "Site records written this run: nothing (already up to date)." in out.getvalue()


@pytest.mark.parametrize(
    "markdown, forbidden",
    [
        ("<script>alert(1)</script>hello", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<p style="color:red">styled</p>', "style="),
        ("# Top heading", "<h1>"),
    ],
)
def test_guidance_rendering_drops_unsafe_markup(markdown, forbidden):
    assert forbidden not in render_markdown(markdown)


def test_guidance_rendering_keeps_the_allowed_structure():
    html = render_markdown(
        "## Steps\n\n1. **Check** the [seal](https://example.org/a)\n2. *Log* it\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n> Note\n\n`code`\n\n[mail](mailto:bso@example.org)"
    )
    for fragment in (
        "<h2>Steps</h2>",
        "<ol>",
        "<strong>Check</strong>",
        "<em>Log</em>",
        '<a href="https://example.org/a" rel="noopener noreferrer">seal</a>',
        "<table>",
        "<td>1</td>",
        "<blockquote>",
        "<code>code</code>",
        'href="mailto:bso@example.org"',
    ):
        assert fragment in html


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("coordinator@demo.nhs.uk", "The Newcastle upon Tyne Hospitals"),
        ("pharmacist@demo.nhs.uk", "The Newcastle upon Tyne Hospitals"),
        ("coordinator.ucl@demo.nhs.uk", "University College London Hospitals"),
        ("network@demo.nhs.uk", "You coordinate"),
        ("national@demo.nhs.uk", "national network coordinator"),
        ("editor@demo.nhs.uk", "Guidance editing"),
        ("admin@demo.nhs.uk", "Welcome"),
    ],
)
def test_every_demo_user_signs_in_and_sees_their_home_page(data, client, email, expected):
    response = client.post(
        "/accounts/login/", {"username": email, "password": DEFAULT_DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated
    assert expected in response.content.decode()
    # Every page linked from the home page works on the demo data.
    for path in sorted(set(re.findall(r'href="(/[^"#?]*)"', response.content.decode()))):
        if path.startswith(("/static/", "/admin/", "/api/")):
            continue
        page = client.get(path)
        assert page.status_code == 200, (email, path, page.status_code)
