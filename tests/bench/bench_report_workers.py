"""National reports built at once by a real Celery worker pool: wall time, renders at once, memory.

    DATABASE_URL=postgres://.../atmp_x_bench REDIS_URL=redis://127.0.0.1:6379/N \
        .venv/bin/python -m tests.bench.bench_report_workers [--reports 2] [--concurrency 2]

Starts one worker (prefork, `--concurrency` processes, a queue of its own) on DATABASE_URL and
REDIS_URL, sends `--reports` national reports at once (the same profile, keys of their own so
none is deduplicated), and waits until every one has finished. Sampled every 50 ms from /proc:
the number of WeasyPrint render processes (`python -m reports.pdf`) alive, and the RSS of the
worker and everything under it, summed; from the task's render log (tests settings): how many
parts rendered at once and how many by helpers. Every report row and file made is deleted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
PROFILE = "car_t_core"
NATIONAL_USER = "national@demo.nhs.uk"


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        found[int(entry.name)] = (parent, command)
    return found


def _tree(root: int, processes: dict[int, tuple[int, str]]) -> set[int]:
    tree, added = {root}, True
    while added:
        more = {pid for pid, (parent, _) in processes.items() if parent in tree} - tree
        added, tree = bool(more), tree | more
    return tree


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atmp_portal.settings_test")
    media = Path(tempfile.mkdtemp(prefix="atmp-bench-media-"))
    os.environ["TEST_MEDIA_ROOT"] = str(media)
    django.setup()

    from django.utils import timezone

    from accounts.models import User
    from reports import broker, tasks
    from reports.models import ReadinessReport
    from tests.bench.bench_reports import _tree_rss_mb
    from trials.models import RequirementProfile

    queue = f"bench-reports-{uuid.uuid4().hex[:8]}"
    for task in (tasks.build_report, getattr(tasks, "render_part", tasks.build_report)):
        task.queue = queue
        task._exec_options = None
    log = Path(tempfile.mkstemp(prefix="atmp-bench-worker-", suffix=".log")[1])
    render_log = Path(tempfile.mkstemp(prefix="atmp-bench-renders-", suffix=".log")[1])
    os.environ[getattr(tasks, "TEST_RENDER_LOG_ENV", "ATMP_TEST_RENDER_LOG")] = str(render_log)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "atmp_portal",
            "worker",
            "--pool=prefork",
            f"--concurrency={args.concurrency}",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env={**os.environ},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    user = User.objects.get(email=NATIONAL_USER)
    profile = RequirementProfile.objects.get(code=PROFILE)
    reports = []
    try:
        time.sleep(5)  # the worker's start-up, not counted
        started = time.perf_counter()
        for _ in range(args.reports):
            report = ReadinessReport.objects.create(
                kind=ReadinessReport.Kind.NATIONAL,
                profile=profile,
                requested_by=user,
                as_of=timezone.localdate(),
                dedup_key=f"bench-{time.time_ns()}",
                sent_at=timezone.now(),
            )
            reports.append(report)
            broker.send_build(report.pk)
        renders_peak, rss_peak, finished = 0, 0.0, {}
        while len(finished) < len(reports) and time.perf_counter() - started < args.timeout:
            processes = _processes()
            tree = _tree(worker.pid, processes)
            renders = sum(1 for pid in tree if "reports.pdf" in processes.get(pid, (0, ""))[1])
            renders_peak = max(renders_peak, renders)
            rss_peak = max(rss_peak, _tree_rss_mb(worker.pid))
            for report in reports:
                if report.pk not in finished:
                    report.refresh_from_db()
                    if not report.is_active:
                        finished[report.pk] = time.perf_counter() - started
            time.sleep(0.05)
        for report in reports:
            report.refresh_from_db()
            print(
                f"report {report.pk}: {report.status} after "
                f"{finished.get(report.pk, float('nan')):.1f} s, attempts {report.attempts}"
                f"{', ' + report.error if report.error else ''}; PDF "
                f"{report.pdf.size if report.pdf else 0} bytes"
            )
        renders = [line.split() for line in render_log.read_text().splitlines()]
        if renders:
            events = sorted(
                [(float(r[1]), 1) for r in renders] + [(float(r[2]), -1) for r in renders]
            )
            running = most = 0
            for _, step in events:
                running += step
                most = max(most, running)
            helped = sum(1 for r in renders if r[3] == "helper")
            print(f"{len(renders)} part renders, at most {most} at once; {helped} by helpers")
        print(
            f"{args.reports} national reports, worker concurrency {args.concurrency}: all "
            f"done after {max(finished.values(), default=float('nan')):.1f} s; render "
            f"processes alive at once, peak {renders_peak}; worker tree RSS peak "
            f"{rss_peak:.0f} MB"
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        for report in reports:
            for file in (report.pdf, report.csv):
                if file:
                    file.delete(save=False)
            report.delete()


def run(report: list[str]) -> None:
    """`make bench`'s section: two national reports at once on a worker of two processes, in a
    child process (it starts the worker and sets its own media folder and render log)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_report_workers"],
        cwd=ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=1500,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0:
        lines.append(f"failed (exit {done.returncode}): {done.stderr.strip()[-1500:]}")
    report += [
        "## National reports on a real worker pool",
        "",
        "Two national reports (CAR-T core, every site of the bench data) requested at once from "
        "a prefork Celery worker with two processes on Redis "
        "(`python -m tests.bench.bench_report_workers`): the parts are rendered by whichever "
        "worker process is free, so renders at once stay at the workers' concurrency however "
        "many reports run (ADR 0008).",
        "",
        *[f"- {line}" for line in lines],
        "",
        f"This section took {time.perf_counter() - started:.0f} s.",
    ]


if __name__ == "__main__":
    main()
