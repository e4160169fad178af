"""Readiness ranking and PDF reports on the `seed_demo --scale` data (issue 3's targets).

- Ranking: the /readiness/ page for every site against a profile, as the national network
  coordinator, through the Django test client (server time: middleware, session, queries, engine,
  template); and the engine alone (requirement set + assess + rank). Floor: the accessibility page
  through the same client (a template-only page with the same layout, session and user lookup).
- Site PDF: one site against a trial, built by the report task itself (`build_report.apply`:
  claim, assessment, PDF + CSV rendering, files saved). Floor: WeasyPrint rendering a one-line page
  through reports.pdf, the only module allowed to call it.
- National PDF: every site against a profile, built by the report task in a child process
  (in-process, `apply`: no other worker helps, so its own render process lays out every part;
  tests/bench/bench_report_workers.py measures reports on a real worker pool). Its peak memory is
  the peak of the SUM of the child's and its render processes' RSS, sampled every 50 ms from
  /proc (the child's own ru_maxrss and the largest render process's are shown beside it).
- National PDF at 10x data: the same against the 10x database of bench_scale10x (`seed_demo
  --scale 140`, about 5,200 sites; seeded by whichever of the two sections runs first), or the
  one named by BENCH_REPORTS_10X_DATABASE_URL; BENCH_SKIP_10X=1 leaves it out.

Every report row and file made here is deleted again, so the bench can run any number of times.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.bench import bench_scale10x

PROFILE = "car_t_core"
NATIONAL_USER = "national@demo.nhs.uk"
RANKING_RUNS = 15
FLOOR_RUNS = 30
SITE_PDF_RUNS = 5
RANKING_TARGET_MS = 200.0
SITE_PDF_TARGET_S = 0.6
NATIONAL_TARGET_S = 10.0
NATIONAL_10X_TARGET_S = 120.0
NATIONAL_MEMORY_TARGET_MB = 500.0
CHILD_TIMEOUT_S = 240
CHILD_TIMEOUT_10X_S = 600
# The 10x row (minutes): a database seeded with `seed_demo --scale 140`, migrated.
TEN_X_ENV = "BENCH_REPORTS_10X_DATABASE_URL"
ROOT = Path(__file__).resolve().parents[2]


def _ms(samples: list[float]) -> tuple[float, float]:
    """Median and p95 (nearest rank) in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _timed(call, runs: int, warm: int = 2) -> list[float]:
    for _ in range(warm):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def _verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "**MISSES**"


# --- ranking -------------------------------------------------------------------------------


def _ranking(user, profile) -> tuple[list[str], int]:
    from reports import readiness
    from reports.views import readiness as readiness_views
    from sites.access import visible_sites
    from sites.selectors import site_refs

    client = Client()
    client.force_login(user)
    url = f"/readiness/?profile={profile.code}"
    api_url = f"/api/v1/readiness/?profile={profile.code}"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    sites = visible_sites(user).count()
    rows = (
        response.content.count(b'<tr role="row" class="nhsuk-table__row">') - 1
    )  # minus the header row
    # Every site is assessed and ranked; the page shows the first RANKING_PAGE_SIZE of them.
    expected = min(sites, readiness_views.RANKING_PAGE_SIZE)
    assert rows == expected, f"the ranking page listed {rows} rows, expected {expected} of {sites}"
    assert f"of {sites}".encode() in response.content
    # Queries of the view itself, as tests/reports/test_ranking.py counts them.
    request = RequestFactory().get("/readiness/", {"profile": profile.code})
    request.user = user
    with CaptureQueriesContext(connection) as queries:
        assert readiness_views.ranking(request).status_code == 200
    view_queries = len(queries)  # now: the next request's reset_queries empties the log it reads

    def page() -> None:
        client.get(url)

    def api() -> None:
        assert client.get(api_url).status_code == 200

    def floor() -> None:
        assert client.get("/accessibility/").status_code == 200

    on = timezone.localdate()

    def engine(summary_only: bool = True) -> None:
        requirement_set = readiness.requirement_set_for_profile(profile)
        ordered = visible_sites(user).order_by("name", "pk")
        # As the page: SiteRefs for the summary; Site instances for every row's detail (the PDF).
        site_list = site_refs(ordered) if summary_only else ordered.select_related("region")
        readiness.rank(
            readiness.assess(
                sites=site_list, requirements=requirement_set, on=on, summary_only=summary_only
            )
        )

    # The ranking's summary-only assessment must agree with the full rows on this data too.
    requirement_set = readiness.requirement_set_for_profile(profile)
    site_list = list(visible_sites(user).select_related("region").order_by("pk"))
    summary, full = (
        [
            (a.site.pk, a.score, a.ready, a.blockers, a.warnings, a.expiring, a.met)
            for a in readiness.assess(
                sites=site_list, requirements=requirement_set, on=on, summary_only=only
            )
        ]
        for only in (True, False)
    )
    assert summary == full, "summary_only disagrees with the full assessment"

    page_ms = _ms(_timed(page, RANKING_RUNS))
    api_ms = _ms(_timed(api, RANKING_RUNS))
    engine_ms = _ms(_timed(engine, RANKING_RUNS))
    full_ms = _ms(_timed(lambda: engine(summary_only=False), RANKING_RUNS // 2, warm=1))
    floor_ms = _ms(_timed(floor, FLOOR_RUNS))
    lines = [
        f"| ranking page `/readiness/?profile={profile.code}`, {sites} sites "
        f"({view_queries} queries) | {page_ms[0]:.0f} ms | {page_ms[1]:.0f} ms "
        f"| ≤ {RANKING_TARGET_MS:.0f} ms: {_verdict(page_ms[1], RANKING_TARGET_MS)} "
        f"| {floor_ms[0]:.1f} ms (p95 {floor_ms[1]:.1f}) | {page_ms[0] / floor_ms[0]:.0f}x |",
        f"| ranking API `/api/v1/readiness/?profile={profile.code}` (all {sites} sites ranked, "
        f"first page of JSON) | {api_ms[0]:.0f} ms | {api_ms[1]:.0f} ms "
        f"| ≤ {RANKING_TARGET_MS:.0f} ms: {_verdict(api_ms[1], RANKING_TARGET_MS)} "
        f"| {floor_ms[0]:.1f} ms | {api_ms[0] / floor_ms[0]:.0f}x |",
        f"| engine alone, as the page uses it (requirement set + assess summary_only + rank) "
        f"| {engine_ms[0]:.0f} ms | {engine_ms[1]:.0f} ms | — "
        f"| {floor_ms[0]:.1f} ms | {engine_ms[0] / floor_ms[0]:.0f}x |",
        f"| engine with every row's detail (as the PDF uses it), {sites} sites "
        f"| {full_ms[0]:.0f} ms | {full_ms[1]:.0f} ms | — "
        f"| {floor_ms[0]:.1f} ms | {full_ms[0] / floor_ms[0]:.0f}x |",
    ]
    return lines, sites


# --- PDFs ----------------------------------------------------------------------------------


def _new_report(**fields):
    from reports.models import ReadinessReport

    # A key of our own: never taken for a user's identical request, never deduplicated.
    key = f"bench-{time.time_ns()}"
    return ReadinessReport.objects.create(as_of=timezone.localdate(), dedup_key=key[:64], **fields)


def _delete_report(report_id: int) -> None:
    from reports.models import ReadinessReport

    report = ReadinessReport.objects.filter(pk=report_id).first()
    if report is None:
        return
    for file in (report.pdf, report.csv):
        if file:
            file.delete(save=False)
    report.delete()


def _pages(report_id: int) -> int:
    from pypdf import PdfReader

    from reports.models import ReadinessReport

    report = ReadinessReport.objects.get(pk=report_id)
    assert report.status == ReadinessReport.Status.SUCCEEDED, (report.status, report.error)
    with report.pdf.open("rb") as handle:
        return len(PdfReader(io.BytesIO(handle.read())).pages)


def _site_and_trial():
    """The trial with most participating sites, and its participating site with most gaps."""
    from django.db.models import Count

    from reports import readiness
    from sites.models import Site
    from trials.models import Trial

    trial = (
        Trial.objects.annotate(n=Count("trial_sites")).filter(n__gt=0).order_by("-n", "pk").first()
    )
    requirement_set = readiness.requirement_set_for_trial(trial)
    sites = Site.objects.filter(trial_sites__trial=trial).order_by("pk")
    assessments = readiness.assess(
        sites=sites, requirements=requirement_set, on=timezone.localdate()
    )
    worst = max(assessments, key=lambda a: (a.blockers + a.warnings, -a.site.pk))
    return worst.site, trial, requirement_set, worst


def _site_pdf(user, floor_s: float) -> list[str]:
    from reports.models import ReadinessReport
    from reports.tasks import build_report

    site, trial, requirement_set, assessment = _site_and_trial()
    samples, pages = [], 0
    for _ in range(SITE_PDF_RUNS + 1):  # the first build warms templates and fonts
        report = _new_report(
            kind=ReadinessReport.Kind.SITE, site=site, trial=trial, requested_by=user
        )
        try:
            started = time.perf_counter()
            build_report.apply(args=[report.pk])
            samples.append(time.perf_counter() - started)
            pages = _pages(report.pk)
        finally:
            _delete_report(report.pk)
    samples = samples[1:]
    median_s = statistics.median(samples)
    return [
        f"| site PDF: {site.name} vs {trial.short_title} ({len(requirement_set.requirements)} "
        f"requirements, {assessment.blockers + assessment.warnings} gaps, {pages} pages), "
        f"median of {SITE_PDF_RUNS} task builds | {median_s:.2f} s | max {max(samples):.2f} s "
        f"| median ≤ {SITE_PDF_TARGET_S} s: {_verdict(median_s, SITE_PDF_TARGET_S)} "
        f"| {floor_s * 1000:.0f} ms (one-line page) | {median_s / floor_s:.0f}x |",
    ]


def _national_child(out_path: str) -> None:
    """Entry point of the child process: make a national report, build it through the task,
    write its timings and page count, delete it again. Runs against its own DATABASE_URL (the
    10x database for the 10x row)."""
    from accounts.models import User
    from reports.models import ReadinessReport
    from reports.tasks import build_report
    from sites.models import Site
    from trials.models import RequirementProfile

    user = User.objects.get(email=NATIONAL_USER)
    profile = RequirementProfile.objects.get(code=PROFILE)
    report = _new_report(kind=ReadinessReport.Kind.NATIONAL, profile=profile, requested_by=user)
    try:
        started = time.perf_counter()
        outcome = build_report.apply(args=[report.pk]).get()
        build_s = time.perf_counter() - started
        pages = _pages(report.pk)
    finally:
        _delete_report(report.pk)
    # This process's render process outlives a build (reports.pdf.renderer): end and reap it,
    # so that its CPU and memory are counted below.
    from reports import pdf

    pdf.renderer().close()
    renderers = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = sum(u.ru_utime + u.ru_stime for u in (own, renderers))
    Path(out_path).write_text(
        json.dumps(
            {
                "cpu_s": cpu_s,
                "build_s": build_s,
                "outcome": outcome,
                "pages": pages,
                "sites": Site.objects.count(),
                "profile": profile.name,
                "renderer_max_mb": renderers.ru_maxrss / 1024,
            }
        )
    )


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, summed (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, added = {root}, True
    while added:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        added, tree = bool(more), tree | more
    total_kb = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def _national_run(database_url: str | None = None) -> dict:
    """Build the national report in a child process (against `database_url` if given); its wall
    time, its own peak RSS (os.wait4), and the peak of the sum of its and its render
    processes' RSS, sampled every 50 ms."""
    env = {**os.environ, **({"DATABASE_URL": database_url} if database_url else {})}
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(tempfile.NamedTemporaryFile("r", suffix=".json"))
        command = [
            sys.executable,
            "-c",
            "import django; django.setup(); from tests.bench import bench_reports; "
            f"bench_reports._national_child({out.name!r})",
        ]
        log = stack.enter_context(tempfile.TemporaryFile("w+"))
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, env=env)
        deadline = started + (CHILD_TIMEOUT_10X_S if database_url else CHILD_TIMEOUT_S)
        tree_peak = 0.0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            tree_peak = max(tree_peak, _tree_rss_mb(child.pid))
            time.sleep(0.05)
        wall_s = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            print(log.read()[-4000:], file=sys.stderr)
            return {}
        result = json.loads(Path(out.name).read_text() or "{}")
    return {
        **result,
        "wall_s": wall_s,
        "peak_mb": usage.ru_maxrss / 1024,
        "tree_peak_mb": tree_peak,
    }


def _national_lines(result: dict, label: str, target_s: float, floor_s: float) -> list[str]:
    if not result:
        return [f"| {label} | failed (see the bench's stderr) | | | | |"]
    return [
        f"| {label}: {result['sites']} sites vs {result['profile']} ({result['pages']} pages), "
        f"task build | {result['build_s']:.1f} s | child process wall {result['wall_s']:.1f} s; "
        f"CPU {result['cpu_s']:.0f} s (Django start-up, build and render processes) "
        f"| ≤ {target_s:.0f} s: {_verdict(result['wall_s'], target_s)} "
        f"| {floor_s * 1000:.0f} ms (one-line page) | {result['build_s'] / floor_s:.0f}x |",
        f"| {label} peak memory: the build process and its render processes, RSS summed "
        f"(sampled every 50 ms); the build process alone {result['peak_mb']:.0f} MB, the largest "
        f"render process {result['renderer_max_mb']:.0f} MB (ru_maxrss) "
        f"| {result['tree_peak_mb']:.0f} MB | — "
        f"| ≤ {NATIONAL_MEMORY_TARGET_MB:.0f} MB: "
        f"{_verdict(result['tree_peak_mb'], NATIONAL_MEMORY_TARGET_MB)} | — | — |",
    ]


def _national_pdf(floor_s: float) -> list[str]:
    lines = _national_lines(_national_run(), "national PDF", NATIONAL_TARGET_S, floor_s)
    if os.environ.get("BENCH_SKIP_10X"):
        lines.append("| national PDF at 10x data | not run: BENCH_SKIP_10X is set | | | | |")
        return lines
    url = os.environ.get(TEN_X_ENV) or bench_scale10x.ensure_ten_x()
    lines += _national_lines(
        _national_run(url), "national PDF at 10x data", NATIONAL_10X_TARGET_S, floor_s
    )
    return lines


def run(report: list[str]) -> None:
    from accounts.models import User
    from reports import pdf
    from trials.models import RequirementProfile

    report += ["## Readiness ranking and PDF reports", ""]
    user = User.objects.get(email=NATIONAL_USER)
    profile = RequirementProfile.objects.get(code=PROFILE)
    started = time.perf_counter()
    lines, sites = _ranking(user, profile)
    floor_s = statistics.median(
        _timed(lambda: pdf.render_html("<p>Readiness</p>"), SITE_PDF_RUNS, warm=1)
    )
    lines += _site_pdf(user, floor_s)
    lines += _national_pdf(floor_s)
    elapsed = time.perf_counter() - started
    report += [
        f"As the national network coordinator ({NATIONAL_USER}), on {dt.date.today():%d %B %Y}. "
        f"Ranking: median and p95 of {RANKING_RUNS} requests through the Django test client "
        "after two warm-up requests. PDFs: the report task (`build_report.apply`) itself, "
        "so assessment, HTML, WeasyPrint, CSV and saving the files are all counted.",
        "",
        "| measure | median | p95 / other | target | floor, same run | ratio to floor |",
        "|---|---:|---:|---|---:|---:|",
        *lines,
        "",
        "Floors: the accessibility page (same layout, session and user lookup, no data) for the "
        "ranking; WeasyPrint rendering a one-line page (`reports.pdf.render_html`) for the PDFs. "
        f"This section took {elapsed:.0f} s.",
    ]
