"""The demo seed: `seed_demo --scale N` again on the same day, and the real sites' story alone.

`make bench` seeds the bench database first (its "Migrate and seed" figure is the fresh seed at
the bench scale, BENCH_SCALE). This section times what a second run costs: the same day, when
nothing has changed and only the comparison runs (records and their year of history), and the
planning of the 37 real sites' records without the database (demo/story.py, demo/planner.py).
It writes nothing: the second run finds everything as it was.
"""

from __future__ import annotations

import time

from django.core.management import call_command

from demo import seed
from demo.planner import plan_site


def run(report: list[str]) -> None:
    from tests.bench.run import SCALE

    report.append("## Demo seed")
    report.append("")
    started = time.perf_counter()
    call_command("seed_demo", scale=SCALE, not_production=True, verbosity=0)
    again = time.perf_counter() - started
    capabilities, courses = seed._catalogue_info(
        {c.code: c for c in seed.Capability.objects.all()},
        {c.code: c for c in seed.Course.objects.all()},
    )
    started = time.perf_counter()
    for profile in seed._real_profiles(capabilities).values():
        plan_site(profile, capabilities, courses)
    planning = time.perf_counter() - started
    report += [
        "| run | time |",
        "|---|---:|",
        f"| `seed_demo --scale {SCALE}` again, same day (writes nothing) | {again:.1f} s |",
        f"| planning the 37 real sites' records and their year of history (no database) "
        f"| {planning:.2f} s |",
        "",
        'The fresh seed at this scale is the run\'s "Migrate and seed" figure above; figures at '
        "other scales are in docs/demo-data.md.",
    ]
