"""The learning-system feed: POST .../training-records/bulk/ with 5,000 records, end to end."""

from __future__ import annotations

import datetime as dt
import statistics
import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from sites.models import SiteMembership
from tests.accounts.factories import UserFactory
from tests.sites.factories import MembershipFactory, SiteFactory
from tests.training.factories import CourseFactory, StaffMemberFactory

RECORDS = 5_000
STAFF = 250
ROUNDS = 3


def _feed(staff, courses, *, notes: str) -> list[dict]:
    today = dt.date.today()
    return [
        {
            "external_id": f"BENCH-{i}",
            "email": staff[i % len(staff)].email,
            "course_code": courses[i // len(staff) % len(courses)].code,
            "completed_on": (
                today - dt.timedelta(days=1 + i // (len(staff) * len(courses)))
            ).isoformat(),
            "expiry_override": None,
            "notes": notes,
        }
        for i in range(RECORDS)
    ]


def _post(client, url, records) -> tuple[float, int, dict]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.post(url, {"records": records}, format="json")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:500]
    return elapsed, len(queries), response.json()


def run(report: list[str]) -> None:
    samples: dict[str, list[tuple[float, int]]] = {"create": [], "unchanged": [], "update": []}
    for _ in range(ROUNDS):
        with transaction.atomic():
            site = SiteFactory(name="Bench feed hospital")
            user = MembershipFactory(
                site=site, role=SiteMembership.Role.COORDINATOR, user=UserFactory()
            ).user
            staff = StaffMemberFactory.create_batch(STAFF, site=site)
            courses = [CourseFactory(code=f"bench_feed_{n}", renewal_months=24) for n in range(4)]
            client = APIClient()
            client.force_authenticate(user)
            url = f"/api/v1/sites/{site.pk}/training-records/bulk/"
            records = _feed(staff, courses, notes="")
            for label, body, key in (
                ("create", records, "created"),
                ("unchanged", records, "unchanged"),
                ("update", _feed(staff, courses, notes="renewed"), "updated"),
            ):
                elapsed, queries, result = _post(client, url, body)
                assert result[key] == RECORDS, (label, result[key])
                samples[label].append((elapsed, queries))
            transaction.set_rollback(True)

    rows = {
        "create": "5,000 new records (creates with history)",
        "unchanged": "the same 5,000 again (nothing written)",
        "update": "5,000 changed records (updates with history)",
    }
    report += [
        "## Training records feed (bulk upsert API)",
        "",
        f"`POST /api/v1/sites/{{id}}/training-records/bulk/` with {RECORDS:,} records for "
        f"{STAFF} staff, through the test client (JSON parsing, the CSV import's validation, "
        f"writes and the response), median of {ROUNDS} rounds, each in a rolled-back "
        "transaction.",
        "",
        "| call | median s | queries |",
        "|---|---:|---:|",
    ]
    for label, description in rows.items():
        median = statistics.median(s for s, _ in samples[label])
        report.append(f"| {description} | {median:.2f} | {samples[label][0][1]} |")
