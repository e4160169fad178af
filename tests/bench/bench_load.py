"""Pages under load (issue 14): gunicorn with production settings, wrk at fixed concurrency.

gunicorn (2 sync workers, DEBUG off, compressed manifest static files collected into a temporary
directory, CONN_MAX_AGE on) serves the bench database on a free loopback port; `wrk` sends
CONCURRENCY connections for SECONDS per page, each request with a signed-in session's cookie
(tests/bench/load.lua). Every figure is set beside the login page's, measured in the same run.
Beside the load figures: queries and HTML size of one request through the test client, the
bytes each request sent over the wire under load (wrk's count: gzipped HTML and headers), and
the first page's transferred weight (HTML and its static files, compressed).
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
LUA = Path(__file__).with_name("load.lua")
WRK = shutil.which("wrk") or "/usr/bin/wrk"
PORTS = range(
    int(os.environ.get("BENCH_PORT_FIRST", "8119")),
    int(os.environ.get("BENCH_PORT_LAST", "8129")) + 1,
)
CONCURRENCY = 8
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "6"))
WORKERS = 2
COORDINATOR = "coordinator@demo.nhs.uk"
NATIONAL = "national@demo.nhs.uk"
PROFILE = "car_t_core"
# Targets of issue 14.
MIN_SHARE = 10  # every page at least 1/10 of the login page's req/s
MAX_TAIL = 10  # p99 at most 10x p50
RANKING_P99_MS = 400
FIRST_PAGE_KB, HEAVIEST_KB = 100, 200


@dataclass
class Page:
    name: str
    user: str | None
    url: str


@dataclass
class Result:
    page: Page
    rps: float
    p50: float
    p99: float
    errors: int
    queries: int
    html_kb: float
    sent_kb: float  # per request as transferred under load (compressed body and headers)


def _pages() -> list[Page]:
    from accounts.models import User
    from guidance.models import GuidanceDocument
    from trials.models import Trial

    coordinator = User.objects.get(email=COORDINATOR)
    site = coordinator.site_memberships.select_related("site").first().site
    trial = (
        Trial.objects.filter(trial_sites__site=site).order_by("pk").first()
        or Trial.objects.order_by("pk").first()
    )
    document = GuidanceDocument.objects.order_by("pk").first()
    s = site.pk
    pages = [
        Page("login page (floor)", None, "/accounts/login/"),
        Page("home, site coordinator", COORDINATOR, "/"),
        Page("home, national coordinator", NATIONAL, "/"),
        Page("site dashboard, site coordinator", COORDINATOR, f"/sites/{s}/dashboard/"),
        Page("checklist, site coordinator (editable)", COORDINATOR, f"/sites/{s}/checklist/"),
        Page("checklist, national coordinator (read-only)", NATIONAL, f"/sites/{s}/checklist/"),
        Page("site readiness, site coordinator", COORDINATOR, f"/sites/{s}/readiness/"),
        Page("ranking, one profile, national", NATIONAL, f"/readiness/?profile={PROFILE}"),
        Page("network overview, one profile, national", NATIONAL, f"/overview/?profile={PROFILE}"),
        Page("site list, national", NATIONAL, "/sites/"),
        Page(
            "site list, ready for a trial by score, national",
            NATIONAL,
            f"/sites/?trial={trial.pk}&ready=on&sort=score",
        ),
        Page("trial list, national", NATIONAL, "/trials/"),
        Page("trial page, national", NATIONAL, f"/trials/{trial.pk}/"),
        Page("trial history, national", NATIONAL, f"/trials/{trial.pk}/history/"),
        Page("trial sites, national", NATIONAL, f"/trials/{trial.pk}/sites/"),
        Page("guidance search `q=cell`", COORDINATOR, "/guidance/?q=cell"),
        Page("guidance document", COORDINATOR, f"/guidance/{document.slug}/"),
        Page("staff list, site coordinator", COORDINATOR, f"/sites/{s}/staff/"),
        Page("training matrix, site coordinator", COORDINATOR, f"/sites/{s}/staff/matrix/"),
        Page("report list, national", NATIONAL, "/reports/"),
        Page("API ranking, national", NATIONAL, f"/api/v1/readiness/?profile={PROFILE}"),
        Page("API site readiness", COORDINATOR, f"/api/v1/sites/{s}/readiness/?profile={PROFILE}"),
        Page("API sites, national", NATIONAL, "/api/v1/sites/"),
        Page("API capabilities", COORDINATOR, "/api/v1/capabilities/"),
        Page("API blockers, national", NATIONAL, f"/api/v1/readiness/blockers/?profile={PROFILE}"),
        Page("API guidance search", COORDINATOR, "/api/v1/guidance/?q=cell"),
    ]
    # BENCH_LOAD_PAGES="dashboard,checklist": only the pages whose names contain one of the
    # words (and the floor), for a quick before/after of one change.
    only = [w.strip() for w in os.environ.get("BENCH_LOAD_PAGES", "").split(",") if w.strip()]
    if only:
        pages = pages[:1] + [p for p in pages[1:] if any(w in p.name for w in only)]
    return pages


def _ensure_mfa(email: str) -> None:
    """Production settings require MFA of network coordinators: give the bench user an
    authenticator, as a real one has (the middleware's check then costs what it costs them)."""
    from allauth.mfa.models import Authenticator

    from accounts.models import User

    user = User.objects.get(email=email)
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "bench-not-a-secret"}}
    )


def _session_cookies() -> dict[str, str]:
    from accounts.models import User

    cookies = {}
    for email in (COORDINATOR, NATIONAL):
        client = Client()
        client.force_login(User.objects.get(email=email))
        cookies[email] = f"sessionid={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return cookies


def _measure_in_process(page: Page) -> tuple[int, float]:
    """Queries and HTML KiB (uncompressed) of one request through the test client."""
    from accounts.models import User

    client = Client()
    if page.user:
        client.force_login(User.objects.get(email=page.user))
    client.get(page.url)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # Not CaptureQueriesContext: the test client's request_started signal empties its log.
    with connection.execute_wrapper(count):
        response = client.get(page.url)
    assert response.status_code == 200, (page.url, response.status_code)
    return len(queries), len(response.content) / 1024


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def _server_env(static_root: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "atmp_portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,  # the bench's sessions are signed with it
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # loopback, no TLS proxy in front
        "STATIC_ROOT": str(static_root),
        "STATIC_MANIFEST": "true",
        "CONN_MAX_AGE": "60",
        # One user sends thousands of API requests a minute here; the production limit
        # (600/minute) would turn most of them into fast 429s and measure nothing.
        "API_THROTTLE_USER": "1000000/minute",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


def _start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "atmp_portal.wsgi",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def _get(url: str, cookie: str | None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(
        url, headers={"Accept-Encoding": "gzip", **({"Cookie": cookie} if cookie else {})}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read(), dict(response.headers)


def _wrk(url: str, cookie: str | None) -> dict:
    env = {**os.environ, "WRK_COOKIE": cookie or ""}
    done = subprocess.run(
        [WRK, "-t2", f"-c{CONCURRENCY}", f"-d{SECONDS}s", "--timeout", "10s", "-s", str(LUA), url],
        capture_output=True,
        text=True,
        env=env,
        timeout=SECONDS + 60,
    )
    match = re.search(r"WRK_JSON (\{.*\})", done.stdout)
    if not match:
        raise RuntimeError(f"wrk gave no figures for {url}: {done.stdout}{done.stderr}")
    return json.loads(match.group(1))


def _first_page_weight(base: str, cookie: str) -> tuple[float, float, list[str]]:
    """Transferred KiB of the home page and every stylesheet/script/image it links, as a browser
    asking for gzip gets them from whitenoise (compressed files) and Django (GZipMiddleware)."""
    status, body, headers = _get(f"{base}/", cookie)
    html = gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body
    total = len(body)
    assets = sorted(
        set(
            re.findall(
                r'(?:href|src)="(/static/[^"]+\.(?:css|js|svg|png|woff2?|ico))"', html.decode()
            )
        )
    )
    for asset in assets:
        _, content, _ = _get(base + asset, None)
        total += len(content)
    return total / 1024, len(body) / 1024, assets


def _collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def _load_all(pages: list[Page], base: str, cookies: dict[str, str]) -> list[Result]:
    results = []
    for page in pages:
        cookie = cookies.get(page.user) if page.user else None
        status, _, _ = _get(base + page.url, cookie)  # warm-up, and a check it is the page
        assert status == 200, (page.url, status)
        figures = _wrk(base + page.url, cookie)
        queries, html_kb = _measure_in_process(page)
        results.append(
            Result(
                page,
                rps=figures["requests"] / (figures["duration_us"] / 1e6),
                p50=figures["p50_us"] / 1000,
                p99=figures["p99_us"] / 1000,
                errors=figures["status_errors"] + figures["socket_errors"],
                queries=queries,
                html_kb=html_kb,
                sent_kb=figures["bytes"] / max(figures["requests"], 1) / 1024,
            )
        )
        print(
            f"  {page.name}: {results[-1].rps:.1f} req/s p50 {results[-1].p50:.0f} ms", flush=True
        )
    return results


def _verdicts(results: list[Result]) -> list[str]:
    floor = results[0]
    notes = []
    for r in results[1:]:
        misses = []
        if r.rps * MIN_SHARE < floor.rps:
            misses.append(
                f"req/s 1/{floor.rps / r.rps:.1f} of the floor"
                if r.rps
                else "no request answered within wrk's timeout"
            )
        if r.p99 > MAX_TAIL * r.p50:
            misses.append(f"p99 {r.p99 / r.p50:.0f}x p50")
        if r.page.name.startswith("ranking") and r.p99 > RANKING_P99_MS:
            misses.append(f"p99 {r.p99:.0f} ms > {RANKING_P99_MS} ms")
        if r.errors:
            misses.append(f"{r.errors} errors")
        notes.append(f"{r.page.name}: " + ("; ".join(misses) if misses else "meets"))
    return notes


def run(report: list[str]) -> None:
    started = time.perf_counter()
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per force_login otherwise
    for email in (NATIONAL,):
        _ensure_mfa(email)
    pages = _pages()
    cookies = _session_cookies()
    static_root = Path(tempfile.mkdtemp(prefix="atmp-bench-static-"))
    server = None
    try:
        env = _server_env(static_root)
        _collectstatic(env)
        port = _free_port()
        server = _start_server(env, port)
        base = f"http://127.0.0.1:{port}"
        results = _load_all(pages, base, cookies)
        first_kb, first_html_kb, assets = _first_page_weight(base, cookies[COORDINATOR])
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(static_root, ignore_errors=True)
    _write(report, results, first_kb, first_html_kb, len(assets), time.perf_counter() - started)


def _write(report, results, first_kb, first_html_kb, n_assets, took) -> None:
    floor = results[0]
    load = os.getloadavg()
    heaviest = max(results[1:], key=lambda r: r.sent_kb)
    report += [
        "## Pages under load",
        "",
        f"gunicorn ({WORKERS} sync workers, production settings: DEBUG off, compressed manifest "
        f"static files, CONN_MAX_AGE 60) on loopback; `wrk` with {CONCURRENCY} connections for "
        f"{SECONDS} s per page, each with a signed-in session (tests/bench/load.lua); the API's "
        "per-user throttle raised for the run. Queries and "
        "sizes: one request through the test client. Load average at the end: "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.",
        "",
        "| page | req/s | p50 | p99 | vs the login page | queries | HTML | sent |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        share = "1" if r is floor else (f"1/{floor.rps / r.rps:.1f}" if r.rps else "none answered")
        report.append(
            f"| {r.page.name} `{r.page.url}` | {r.rps:.1f} | {r.p50:.0f} ms | {r.p99:.0f} ms | {share} "
            f"| {r.queries} | {r.html_kb:.0f} KiB | {r.sent_kb:.1f} KiB |"
        )
    report += [
        "",
        "Targets (issue 14): every page at least 1/10 of the login page's req/s, p99 at "
        f"most 10x its p50, ranking p99 ≤ {RANKING_P99_MS} ms:",
        "",
    ]
    report += [f"- {note}" for note in _verdicts(results)]
    report += [
        "",
        f"First page (home, site coordinator) transferred: {first_kb:.0f} KiB (HTML {first_html_kb:.0f} "
        f"KiB as sent, {n_assets} static files compressed by whitenoise); target ≤ {FIRST_PAGE_KB} KB: "
        f"{'meets' if first_kb <= FIRST_PAGE_KB else 'MISSES'}. Heaviest page as sent: "
        f"{heaviest.page.name}, {heaviest.sent_kb:.0f} KiB (≤ {HEAVIEST_KB} KB: "
        f"{'meets' if heaviest.sent_kb <= HEAVIEST_KB else 'MISSES'}; the heaviest uncompressed is "
        f"{max(r.html_kb for r in results):.0f} KiB).",
        f"This section took {took:.0f} s.",
    ]
