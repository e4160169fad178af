"""Training CSV import: a 10,000-row file previewed, shown and applied (issue 9: timings are
measured here, not asserted in tests; tests/training/test_importer.py asserts its queries).

- Preview: `training.importer.training_import_preview` alone (parse, validate, match staff and
  courses).
- Preview page: the upload POST through the Django test client as the site's coordinator
  (middleware, session storage of the preview, template).
- Apply: the import POST that writes the 10,000 records with their history.

Floor: Python's csv module reading the same file. Everything runs in one transaction that is
rolled back, so the bench leaves the seeded data as it found it.
"""

from __future__ import annotations

import csv
import io
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

ROWS = 10_000
STAFF = 200
COURSES = 50
PREVIEW_RUNS = 5
HEADER = "email,course_code,completed_on,expiry_override,notes\n"


def _file() -> bytes:
    lines = [
        f"bench{i % STAFF}@nhs.example,bench{(i // STAFF) % COURSES},2025-01-01,,row {i}"
        for i in range(ROWS)
    ]
    return (HEADER + "\n".join(lines) + "\n").encode()


def _median(call, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return sorted(samples)[len(samples) // 2]


def _measure() -> tuple[float, float, float, float]:
    from sites.models import SiteMembership
    from tests.sites.factories import MembershipFactory, SiteFactory
    from tests.training.factories import CourseFactory, StaffMemberFactory
    from training import importer
    from training.models import StaffMember, TrainingRecord

    site = SiteFactory(name="Bench Import Hospital", ods_code="BNCHI")
    user = MembershipFactory(site=site, role=SiteMembership.Role.COORDINATOR).user
    StaffMember.objects.bulk_create(
        StaffMemberFactory.build(site=site, email=f"bench{i}@nhs.example") for i in range(STAFF)
    )
    for i in range(COURSES):
        CourseFactory(code=f"bench{i}")
    raw = _file()
    today = timezone.localdate()

    def preview() -> None:
        result = importer.training_import_preview(site=site, raw=raw, on=today)
        assert result.creates == ROWS and not result.has_errors

    preview_s = _median(preview, PREVIEW_RUNS)
    floor_s = _median(lambda: sum(1 for _ in csv.DictReader(io.StringIO(raw.decode()))), 5)
    client = Client()
    client.force_login(user)
    started = time.perf_counter()
    response = client.post(
        reverse("training:import", args=[site.pk]), {"file": SimpleUploadedFile("t.csv", raw)}
    )
    page_s = time.perf_counter() - started
    assert response.status_code == 200 and f"{ROWS} new records" in response.content.decode()
    token = response.content.decode().split('name="token" value="')[1].split('"')[0]
    started = time.perf_counter()
    client.post(reverse("training:import-apply", args=[site.pk]), {"token": token})
    apply_s = time.perf_counter() - started
    assert TrainingRecord.objects.filter(staff__site=site).count() == ROWS
    return preview_s, page_s, apply_s, floor_s


def run(report: list[str]) -> None:
    started = time.perf_counter()
    with transaction.atomic():
        preview_s, page_s, apply_s, floor_s = _measure()
        transaction.set_rollback(True)
    report += [
        "## Training CSV import",
        "",
        f"A {ROWS:,}-row file ({STAFF} staff, {COURSES} courses) at a new site, as its "
        "coordinator; rolled back afterwards.",
        "",
        "| measure | time | floor: csv module reading the file | ratio to floor |",
        "|---|---:|---:|---:|",
        f"| preview (`training_import_preview`), median of {PREVIEW_RUNS} | {preview_s:.2f} s "
        f"| {floor_s * 1000:.0f} ms | {preview_s / floor_s:.0f}x |",
        f"| preview page (upload POST, test client) | {page_s:.2f} s | {floor_s * 1000:.0f} ms "
        f"| {page_s / floor_s:.0f}x |",
        f"| apply (import POST: {ROWS:,} records and their history) | {apply_s:.2f} s "
        f"| {floor_s * 1000:.0f} ms | {apply_s / floor_s:.0f}x |",
        "",
        f"This section took {time.perf_counter() - started:.0f} s.",
    ]
