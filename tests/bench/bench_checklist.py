"""The readiness checklist page of a 60-item site (issue 15): server time, HTML size, queries.

Before the one-line-per-item page (commit 2b1f3d5, every item's form, evidence and history on
one page) the same measurement on the demo data gave 368 KiB and a median of 1,129 ms; the
target is at least 5x smaller in both.
"""

from __future__ import annotations

import statistics
import time

from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

COORDINATOR = "coordinator@demo.nhs.uk"
RUNS = 15
BEFORE_KIB, BEFORE_MS = 368, 1129


def _median_ms(call, runs: int = RUNS) -> tuple[float, float]:
    call()
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[round(0.95 * len(ordered)) - 1] * 1000


def run(report: list[str]) -> None:
    from accounts.models import User
    from sites.models import Capability

    user = User.objects.get(email=COORDINATOR)
    site = user.site_memberships.select_related("site").first().site
    client = Client()
    client.force_login(user)
    url = f"/sites/{site.pk}/checklist/"
    response = client.get(url)
    assert response.status_code == 200
    size_kib = len(response.content) / 1024
    # Queries of the view itself (the test client's request_started would empty the log).
    from reports.views.checklist import checklist

    request = RequestFactory().get(url)
    request.user = user
    with CaptureQueriesContext(connection) as queries:
        assert checklist(request, site.pk).status_code == 200
    view_queries = len(queries)  # now: a later request's reset_queries empties the log it reads
    page = _median_ms(lambda: client.get(url))
    filtered = _median_ms(lambda: client.get(url, {"status": "in_progress", "q": "storage"}))
    floor = _median_ms(lambda: client.get("/accessibility/"))
    items = Capability.objects.count()
    report += [
        "## Readiness checklist page",
        "",
        f"As {COORDINATOR}, the checklist of {site.name} ({items} items). Median and p95 of "
        f"{RUNS} requests through the Django test client after two warm-up requests.",
        "",
        "| measure | median | p95 | HTML | queries | before (full page) | floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| `{url}` | {page[0]:.0f} ms | {page[1]:.0f} ms | {size_kib:.0f} KiB | {view_queries} "
        f"| {BEFORE_MS} ms, {BEFORE_KIB} KiB: {BEFORE_MS / page[0]:.0f}x slower, "
        f"{BEFORE_KIB / size_kib:.0f}x larger | {floor[0]:.1f} ms |",
        f"| the same, filtered (status and search) | {filtered[0]:.0f} ms | {filtered[1]:.0f} ms "
        f"| — | — | — | {floor[0]:.1f} ms |",
    ]
