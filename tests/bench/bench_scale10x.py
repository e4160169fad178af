"""Bench: ten times the UK's sites (`seed_demo --scale 140`, ~5,200 sites, ~1 million training
records): the ranking, the site pages, the overview, blockers and trend, and query counts.

The 10x database is `<bench database>_10x` (or BENCH_10X_DATABASE_URL), built by this section
when it is missing (migrate,
`seed_demo --scale 140`, VACUUM ANALYZE: the seed's time is reported) and reused otherwise (the
seed is run again: on the same day it plans and writes nothing, demo/fresh.py). Measurements
run in a child process against it, through the Django test client (server time: view, engine,
template, session and user lookup), beside the floor of the same child: the accessibility page,
which pays the session and user lookup and nothing else. The count cache is Redis when
REDIS_URL is set, as in production. Each page: a first request with the cache empty ("cold"),
then median and p95 of RUNS. Query counts of every page of the load list (bench_load.py) are
counted at 1x (the bench database) and at 10x: they must be the same.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCALE_10X = int(os.environ.get("BENCH_SCALE_10X", "140"))
RUNS = 20
NATIONAL = "national@demo.nhs.uk"
COORDINATOR = "coordinator@demo.nhs.uk"
PROFILE = "car_t_core"
CHILD_TIMEOUT_S = 3600
TARGETS_MS = {"ranking page": 200, "ranking API": 200, "network overview": 400, "API blockers": 400}


def _timed_pages(site: int) -> list[tuple[str, str, str]]:
    return [
        ("ranking page", NATIONAL, f"/readiness/?profile={PROFILE}"),
        ("ranking API", NATIONAL, f"/api/v1/readiness/?profile={PROFILE}"),
        ("network overview", NATIONAL, f"/overview/?profile={PROFILE}"),
        ("API blockers", NATIONAL, f"/api/v1/readiness/blockers/?profile={PROFILE}"),
        ("API trend", NATIONAL, f"/api/v1/readiness/trend/?profile={PROFILE}"),
        ("site dashboard", COORDINATOR, f"/sites/{site}/dashboard/"),
        ("checklist (editable)", COORDINATOR, f"/sites/{site}/checklist/"),
        ("site readiness", COORDINATOR, f"/sites/{site}/readiness/"),
        ("site readiness API", COORDINATOR, f"/api/v1/sites/{site}/readiness/?profile={PROFILE}"),
    ]


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered) * 1000, p95 * 1000


def query_counts() -> dict[str, int]:
    """Queries of one request (after a first) of every page of the load list."""
    from tests.bench.bench_load import _measure_in_process, _pages

    return {page.name: _measure_in_process(page)[0] for page in _pages()}


def _clients():
    from django.test import Client

    from accounts.models import User

    clients = {}
    for email in (NATIONAL, COORDINATOR):
        clients[email] = Client()
        clients[email].force_login(User.objects.get(email=email))
    return clients


def _timings() -> dict:
    from django.core.cache import cache

    from accounts.models import User
    from reports.trend import forget_stored_points
    from sites.access import visible_sites

    clients = _clients()
    coordinator = User.objects.get(email=COORDINATOR)
    site = coordinator.site_memberships.first().site_id
    floor = clients[NATIONAL]
    floor.get("/accessibility/")
    samples = []
    for _ in range(RUNS * 2):
        started = time.perf_counter()
        floor.get("/accessibility/")
        samples.append(time.perf_counter() - started)
    result = {
        "sites": visible_sites(User.objects.get(email=NATIONAL)).count(),
        "floor": _ms(samples),
        "pages": {},
    }
    forget_stored_points()
    cache.clear()
    for name, email, url in _timed_pages(site):
        client = clients[email]
        started = time.perf_counter()
        response = client.get(url)
        cold = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        samples = []
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get(url)
            samples.append(time.perf_counter() - started)
        result["pages"][name] = {"url": url, "cold": cold, "ms": _ms(samples)}
    return result


def _after_a_write() -> float:
    """The ranking API's next request after a write to one site's checklist (its entry and
    the whole list's are stale; the other sites' entries are read from the cache)."""
    from django.db import transaction

    from sites.models import SiteCapability

    client = _clients()[NATIONAL]
    url = f"/api/v1/readiness/?profile={PROFILE}"
    client.get(url)
    with transaction.atomic():  # rolled back: the database stays as seeded
        item = SiteCapability.objects.order_by("pk").first()
        SiteCapability.objects.filter(pk=item.pk).update(notes=item.notes)  # moves its stamp
        started = time.perf_counter()
        client.get(url)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds * 1000


def production_cache(prefix: str) -> dict:
    """The cache as production has it, Redis when REDIS_URL is set. The tests' settings have a
    per-process LocMemCache of 300 entries, which the ranking's 555 per-site entries cull at
    random: a page asked twice could then miss again, and its query count would depend on luck."""
    from django.conf import settings

    if not os.environ.get("REDIS_URL"):
        return settings.CACHES
    return {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": prefix,
    }}  # fmt: skip


def _child(out_path: str) -> None:
    from django.test.utils import override_settings

    caches = production_cache("bench-10x")
    with override_settings(CACHES=caches):
        result = {"counts": query_counts(), **_timings(), "after_write": _after_a_write()}
        result["cache"] = caches["default"]["BACKEND"].rsplit(".", 1)[-1]
    Path(out_path).write_text(json.dumps(result))


def _ten_x_url() -> str:
    if os.environ.get("BENCH_10X_DATABASE_URL"):
        return os.environ["BENCH_10X_DATABASE_URL"]
    url = os.environ["DATABASE_URL"]
    base, _, name = url.rpartition("/")
    return f"{base}/{name}_10x"


_ENSURED: dict[str, tuple[str, float, str]] = {}


def ensure_ten_x() -> str:
    """The 10x database's URL, created, migrated and seeded once per bench run (bench_reports
    builds its national PDF at 10x on it too; whichever section comes first seeds it, and this
    section reports that seed)."""
    url = _ten_x_url()
    if url not in _ENSURED:
        _ENSURED[url] = _ensure_database(url)
    return url


def _ensure_database(url: str) -> tuple[str, float, str]:
    """Create (if missing), migrate and seed the 10x database; what was done and how long."""
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    done = subprocess.run(
        [*manage, "seed_demo", "--scale", str(SCALE_10X), "--i-know-this-is-not-production"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    planned = next((line for line in done.stdout.splitlines() if "planned" in line), "")
    # Planner statistics always: a database seeded by hand and never analysed had the
    # past-date statements (the trend) estimating one history row where there are 686,034,
    # and a nested loop ran for more than ten minutes.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return ("seeded into an empty database" if not exists else "seeded again"), seconds, planned


def _measure(url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url}
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        command = [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            f"from tests.bench import bench_scale10x; bench_scale10x._child({out.name!r})",
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
            raise RuntimeError(f"10x measurement failed: {done.stderr[-4000:]}")
        return json.loads(Path(out.name).read_text())


def _page_rows(result: dict) -> list[str]:
    floor = result["floor"][0]
    rows = []
    for name, page in result["pages"].items():
        median, p95 = page["ms"]
        target = TARGETS_MS.get(name)
        verdict = (
            ""
            if target is None
            else (f"p95 ≤ {target} ms: " + ("meets" if p95 <= target else "**misses**"))
        )
        rows.append(
            f"| {name} `{page['url']}` | {median:.0f} ms | {p95:.0f} ms | "
            f"{page['cold']:.0f} ms | {median / floor:.0f}x | {verdict} |"
        )
    return rows


def _count_rows(ones: dict[str, int], tens: dict[str, int]) -> tuple[list[str], int]:
    rows, same = [], 0
    for name, one in ones.items():
        ten = tens.get(name)
        same += one == ten
        verdict = "same" if one == ten else "**differs**"
        rows.append(f"| {name} | {one} | {ten} | {verdict} |")
    return rows, same


def run(report: list[str]) -> None:
    if os.environ.get("BENCH_SKIP_10X"):
        report += ["## Ten times the UK's sites", "", "Not run: BENCH_SKIP_10X is set."]
        return
    started = time.perf_counter()
    url = ensure_ten_x()
    done, seed_s, planned = _ENSURED[url]
    from django.test.utils import override_settings

    with override_settings(CACHES=production_cache("bench-1x")):
        ones = query_counts()  # with the same cache as the 10x child's
    result = _measure(url)
    count_rows, same = _count_rows(ones, result["counts"])
    floor_median, floor_p95 = result["floor"]
    report += [
        "## Ten times the UK's sites",
        "",
        f"`seed_demo --scale {SCALE_10X}`: {result['sites']} sites visible to the national "
        f"coordinator; {done} in {seed_s:.0f} s ({planned.strip()}). Test client, server time; "
        f"the count cache: {result['cache']}. First request with the cache empty (cold), then "
        f"median and p95 of {RUNS}. Floor (accessibility page, same child): median "
        f"{floor_median:.1f} ms, p95 {floor_p95:.1f} ms.",
        "",
        "| page | median | p95 | cold | vs floor | target |",
        "|---|---:|---:|---:|---:|---|",
        *_page_rows(result),
        "",
        f"Ranking API right after a write to one site's checklist (that site counted again, "
        f"the others read from the cache): {result['after_write']:.0f} ms.",
        "",
        f"Query counts, one request of every page of the load list, at 1x (the bench database) "
        f"and at 10x: {same} of {len(ones)} the same.",
        "",
        "| page | 1x | 10x | |",
        "|---|---:|---:|---|",
        *count_rows,
        "",
        f"This section took {time.perf_counter() - started:.0f} s.",
    ]
