"""Bench: the national overview page, the blockers API and the trend API at the bench scale
(seed_demo --scale, 500+ sites), each beside the trivial-page floor of the same run.

Server time through the Django test client: the view, the engine and the template, with the
session and user lookup every page pays (the floor pays them too).
"""

from __future__ import annotations

import statistics
import time

from django.test import Client

NATIONAL_USER = "national@demo.nhs.uk"
PROFILE = "car_t_core"
RUNS = 7
TARGET_MS = {"overview": 3000.0, "blockers": 1500.0, "trend": 1500.0}


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _timed(client: Client, url: str, runs: int = RUNS) -> list[float]:
    client.get(url)  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def run(report: list[str]) -> None:
    from accounts.models import User
    from sites.access import visible_sites

    user = User.objects.get(email=NATIONAL_USER)
    client = Client()
    client.force_login(user)
    sites = visible_sites(user).count()
    floor = _ms(_timed(client, "/accessibility/", RUNS * 3))
    lines = []
    for name, url in [
        ("overview", f"/overview/?profile={PROFILE}"),
        ("blockers", f"/api/v1/readiness/blockers/?profile={PROFILE}"),
        ("trend", f"/api/v1/readiness/trend/?profile={PROFILE}"),
    ]:
        median, p95 = _ms(_timed(client, url))
        verdict = "meets" if median <= TARGET_MS[name] else "**MISSES**"
        lines.append(
            f"| {name} (`{url}`), {sites} sites | {median:.0f} ms | "
            f"{p95:.0f} ms | {TARGET_MS[name]:.0f} ms: {verdict} | {floor[0]:.1f} ms | "
            f"{median / floor[0]:.0f}x |"
        )
    report += [
        "## National overview, blockers and trend", "",
        f"As {NATIONAL_USER}, median and p95 of {RUNS} requests after one warm-up. The trend "
        "assesses 12 month ends (`readiness.assess_series`, past dates from the history); the "
        "overview adds one full assessment (every row) for the map, regions and blockers. "
        "Query counts are asserted constant in tests/reports/test_overview.py.", "",
        "| measure | median | p95 | target | floor (accessibility page) | ratio |",
        "|---|---:|---:|---|---:|---:|",
        *lines, "",
    ]
