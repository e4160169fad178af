"""Bench: the national overview page, the blockers API and the trend API at the bench scale
(seed_demo --scale, 500+ sites) and, opt-in, at 10x data (seed_demo --scale 140, ~5,200 sites),
each beside the trivial-page floor of the same run.

Server time through the Django test client: the view, the engine and the template, with the
session and user lookup every page pays (the floor pays them too). The 10x rows run in a child
process against the 10x database of bench_scale10x (`seed_demo --scale 140`, seeded by whichever
section needs it first), or the one named by BENCH_OVERVIEW_10X_DATABASE_URL (or the reports
bench's BENCH_REPORTS_10X_DATABASE_URL); BENCH_SKIP_10X=1 leaves the 10x rows out.
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.bench import bench_scale10x

ROOT = Path(__file__).resolve().parents[2]
NATIONAL_USER = "national@demo.nhs.uk"
PROFILE = "car_t_core"
RUNS = 7
TARGET_MS = {"overview": 400.0, "blockers": 400.0, "trend": 400.0}
PAGE_GZIP_TARGET_KB = 200
TEN_X_ENVS = ("BENCH_OVERVIEW_10X_DATABASE_URL", "BENCH_REPORTS_10X_DATABASE_URL")
CHILD_TIMEOUT_S = 900
URLS = {
    "overview": f"/overview/?profile={PROFILE}",
    "blockers": f"/api/v1/readiness/blockers/?profile={PROFILE}",
    "trend": f"/api/v1/readiness/trend/?profile={PROFILE}",
}


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _timed(client: Client, url: str, runs: int = RUNS) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def measure() -> dict:
    """Each URL's first request (cold: the trend's month ends not yet stored, the count cache
    empty), then median and p95 of RUNS, its query count and size; and the floor."""
    from django.core.cache import cache

    from accounts.models import User
    from reports.trend import forget_stored_points
    from sites.access import visible_sites

    user = User.objects.get(email=NATIONAL_USER)
    client = Client()
    client.force_login(user)
    client.get("/accessibility/")
    floor = _ms(_timed(client, "/accessibility/", RUNS * 3))[0]
    forget_stored_points()
    cache.clear()
    result = {"sites": visible_sites(user).count(), "floor_ms": floor, "pages": {}}
    for name, url in URLS.items():
        started = time.perf_counter()
        client.get(url)
        cold_ms = (time.perf_counter() - started) * 1000
        median, p95 = _ms(_timed(client, url))
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).content
        result["pages"][name] = {
            "cold_ms": cold_ms,
            "median_ms": median,
            "p95_ms": p95,
            "queries": len(queries),
            "kb": len(body) / 1024,
            "gzip_kb": len(gzip.compress(body)) / 1024,
        }
    return result


def _child(out_path: str) -> None:
    Path(out_path).write_text(json.dumps(measure()))


def _measure_10x(url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url}
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        command = [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            f"from tests.bench import bench_overview; bench_overview._child({out.name!r})",
        ]
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            print(done.stderr[-4000:], file=sys.stderr)
            return {}
        return json.loads(Path(out.name).read_text())


def _lines(result: dict, data: str) -> list[str]:
    lines = []
    for name, page in result["pages"].items():
        median = page["median_ms"]
        verdict = "meets" if median <= TARGET_MS[name] else "**MISSES**"
        size = f"{page['kb']:.0f} KiB ({page['gzip_kb']:.0f} KiB gzipped)"
        lines.append(
            f"| {name} (`{URLS[name]}`), {data}, {result['sites']} sites | {median:.0f} ms | "
            f"{page['p95_ms']:.0f} ms | {page['cold_ms']:.0f} ms | {page['queries']} | {size} "
            f"| {TARGET_MS[name]:.0f} ms: {verdict} | {result['floor_ms']:.1f} ms | "
            f"{median / result['floor_ms']:.0f}x |"
        )
    return lines


def run(report: list[str]) -> None:
    lines = _lines(measure(), "1x")
    url = next((os.environ[e] for e in TEN_X_ENVS if os.environ.get(e)), "")
    if not url and not os.environ.get("BENCH_SKIP_10X"):
        url = bench_scale10x.ensure_ten_x()
    ten_x = _measure_10x(url) if url else {}
    if ten_x:
        lines += _lines(ten_x, "10x")
        gzip_kb = ten_x["pages"]["overview"]["gzip_kb"]
        page_verdict = "meets" if gzip_kb <= PAGE_GZIP_TARGET_KB else "**MISSES**"
        size_line = (
            f"At 10x the overview page is {gzip_kb:.0f} KiB gzipped (target ≤ "
            f"{PAGE_GZIP_TARGET_KB} KB: {page_verdict})."
        )
    else:
        lines.append("| 10x rows | not run: BENCH_SKIP_10X is set | | | | | | | |")
        size_line = ""
    report += [
        "## National overview, blockers and trend",
        "",
        f"As {NATIONAL_USER}, median and p95 of {RUNS} requests after a first, cold one (shown: "
        "the trend's past month ends not yet stored, the count cache empty). The blockers and "
        "the overview count each requirement's blocked sites through the ranking's statement "
        "(`reports/readiness/blockers_sql.py`), each site's answer cached under its readiness "
        "stamp; past month ends of the trend are stored once (`reports/trend.py`); the sites "
        "table beside the map is 50 a page. Query counts are asserted constant in "
        "tests/reports/test_overview.py.",
        "",
        "| measure | median | p95 | cold | queries | size | target | floor (accessibility "
        "page) | ratio |",
        "|---|---:|---:|---:|---:|---|---|---:|---:|",
        *lines,
        "",
        *([size_line, ""] if size_line else []),
    ]
