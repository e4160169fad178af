"""One page's server-side CPU per request, and where it goes: a developer's tool, not a bench.

    DATABASE_URL=postgres://.../atmp_portal_bench REDIS_URL=redis://... \
        .venv/bin/python -m tests.bench.profile_page /sites/1/dashboard/ \
        --user coordinator@demo.nhs.uk [--runs 60] [--profile 25]

Production settings as bench_load.py serves them (DEBUG off, sessions, GZip skipped because the
test client does not ask for it), through the Django test client in this process. Prints the
CPU time (`time.process_time`) of RUNS requests after five of warm-up: min, median and p90,
queries and HTML size; with --profile N, cProfile's top N functions by own time and by
cumulative time over the same number of requests, so a change can be judged by measurement.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _settings_env() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "atmp_portal.settings"
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "profile-page-not-a-secret-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    # Plain static storage: the manifest needs `collectstatic`, and URL hashing is not what we measure.
    os.environ.setdefault("STATIC_MANIFEST", "false")
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--user", help="e-mail of the signed-in user (none: anonymous)")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()

    _settings_env()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from tests.bench.bench_load import _ensure_mfa

    client = Client(SERVER_NAME="127.0.0.1", secure=True)
    if args.user:
        _ensure_mfa(args.user)
        client.force_login(User.objects.get(email=args.user))
    for _ in range(5):
        response = client.get(args.url)
        if response.status_code != 200:
            sys.exit(f"{args.url}: HTTP {response.status_code}")

    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(args.url)
    cpu = []
    for _ in range(args.runs):
        started = time.process_time()
        client.get(args.url)
        cpu.append((time.process_time() - started) * 1000)
    cpu.sort()
    print(
        f"{args.url}: CPU min {cpu[0]:.1f} ms, median {statistics.median(cpu):.1f} ms, "
        f"p90 {cpu[int(len(cpu) * 0.9) - 1]:.1f} ms over {args.runs} requests; "
        f"{len(queries)} queries; HTML {len(response.content) / 1024:.1f} KiB"
    )
    if args.profile:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.runs):
            client.get(args.url)
        profiler.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.profile)
            print(out.getvalue())


if __name__ == "__main__":
    main()
