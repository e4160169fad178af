"""`make bench`: run every tests/bench/bench_*.py and write docs/performance.md.

Each benchmark module has `run(report: list[str]) -> None` appending Markdown lines. Each
module's lines are written between `<!-- bench:<module> start time -->` markers, so a run of one
section (BENCH_ONLY) replaces that section and keeps the others as their last run left them;
a hand-written part headed "## Reading these figures" at the end is kept too. They run
against a dedicated PostgreSQL database (`<name>_bench`, created if missing) filled with
`seed_demo --scale`, so figures come from real PostgreSQL at a realistic size. Each figure
is printed beside a floor measured in the same run, so ratios can be compared across machines.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCALE = int(os.environ.get("BENCH_SCALE", "14"))


def _bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("make bench needs DATABASE_URL to point at PostgreSQL.")
    base, _, name = url.rpartition("/")
    bench_name = f"{name.split('?')[0]}_bench"
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [bench_name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{bench_name}"')
    return f"{base}/{bench_name}"


def _machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        memory = "unknown"
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return [
        f"- Date: {dt.datetime.now():%Y-%m-%d %H:%M}",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores ({cpu}), {memory} memory",
        f"- Python {platform.python_version()}, {pg or 'psql not found'}",
        f"- Data: `seed_demo --scale {SCALE}`",
    ]


def main() -> None:
    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atmp_portal.settings_test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", scale=SCALE, not_production=True, verbosity=0)
    # Fresh bulk-loaded tables have no planner statistics and no visibility map (so no
    # index-only scans) until autovacuum gets to them; a production database has both, so
    # measure with them.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    seeded = time.perf_counter() - started

    report = [
        "# Performance",
        "",
        "Written by `make bench` (tests/bench/). Not part of `make test`.",
        "",
    ]
    report += _machine()
    report += [f"- Migrate and seed: {seeded:.1f} s", ""]
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    only = os.environ.get("BENCH_ONLY")
    sections: dict[str, list[str]] = {}
    for name in names:
        if only and only not in name:
            continue
        print(f"Running {name}...", flush=True)
        lines = [f"<!-- bench:{name} {dt.datetime.now():%Y-%m-%d %H:%M} -->"]
        importlib.import_module(f"tests.bench.{name}").run(lines)
        sections[name] = [*lines, f"<!-- /bench:{name} -->"]
    out = ROOT / "docs" / "performance.md"
    kept = _sections(out.read_text()) if only and out.exists() else {}
    if only:
        # One section run: the others keep what their last run wrote, each under its own date.
        report += [
            f"- Sections run on {dt.datetime.now():%Y-%m-%d %H:%M}: {', '.join(sections)}",
            "",
        ]
    for name in names:
        if name in sections:
            report += [*sections[name], ""]
        elif name in kept:
            report += [*kept[name], ""]
    notes = _notes(out.read_text()) if out.exists() else []
    out.write_text("\n".join(report + notes) + "\n")
    print(out.read_text())


NOTES = "## Reading these figures"


def _sections(text: str) -> dict[str, list[str]]:
    """Each section's lines as the last run wrote them, markers included, by module name."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("<!-- bench:"):
            current = [line]
            found[line.split()[1].removeprefix("bench:")] = current
        elif current is not None:
            current.append(line)
            if line.startswith("<!-- /bench:"):
                current = None
    return found


def _notes(text: str) -> list[str]:
    """The hand-written part at the end (from the NOTES heading on): kept across runs."""
    at = text.find(f"\n{NOTES}")
    return text[at + 1 :].rstrip("\n").splitlines() if at >= 0 else []


if __name__ == "__main__":
    main()
