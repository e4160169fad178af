"""Past as-of dates, read from the change history, at the `seed_demo --scale` size.

The demo writes no history rows for its synthetic sites (demo/records.py), so this bench gives
every checklist item, staff member and training record without one a history first, in a
transaction rolled back at the end: each row as it is now, recorded 400 days ago, except that a
quarter of the checklist items were recorded then as "in progress" and changed to what they are
now 100 days ago. The past date assessed is 182 days ago, between the two.

Measured as in bench_reports (median and p95 of repeated calls, the accessibility page as the
floor): the ranking page and API for the past date (the SQL fast path reading the history
tables), the engine alone for today and for the past date through the SQL path and through the
row path (history.py, as on SQLite), every row's detail for the past date, and a trend of twelve
month-ends by `assess_series` (on PostgreSQL one statement per date) and by its row path (one
read of the history for all dates).
"""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.bench.bench_reports import NATIONAL_USER, PROFILE, _ms, _timed

RUNS = 9
FLOOR_RUNS = 30


def _give_history(now: dt.datetime) -> int:
    """History rows for every row that has none; returns how many were written."""
    from sites.models import SiteCapability
    from training.models import StaffMember, TrainingRecord

    written = 0
    recorded, changed = now - dt.timedelta(days=400), now - dt.timedelta(days=100)
    with connection.cursor() as cursor:
        for model in (SiteCapability, StaffMember, TrainingRecord):
            history = model.history.model
            own = {f.column for f in model._meta.concrete_fields}
            columns = [
                f.column for f in history._meta.concrete_fields
                if not f.name.startswith("history_") and f.column in own
            ]  # fmt: skip
            # Columns only the history has (the checklist's edit session): their defaults.
            extra = [
                f for f in history._meta.concrete_fields
                if not f.name.startswith("history_") and f.column not in own and f.column != "id"
            ]  # fmt: skip
            defaults = [f.get_default() for f in extra]
            columns_sql = ", ".join(columns + [f.column for f in extra])
            names = ", ".join(columns)
            table, source = history._meta.db_table, model._meta.db_table
            select = names
            if model is SiteCapability:
                select = ", ".join(
                    "CASE WHEN id %% 4 = 0 THEN 'in_progress' ELSE status END"
                    if c == "status" else c
                    for c in columns
                )  # fmt: skip
            cursor.execute(
                f"INSERT INTO {table} ({columns_sql}, history_date, history_type) "
                f"SELECT {select}, {', '.join(['%s'] * len(extra) + ['%s'])}, '+' FROM {source} t "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} h WHERE h.id = t.id)",
                [*defaults, recorded],
            )
            written += cursor.rowcount
            if model is SiteCapability:
                cursor.execute(
                    f"INSERT INTO {table} ({columns_sql}, history_date, history_type) "
                    f"SELECT {names}, {', '.join(['%s'] * len(extra) + ['%s'])}, '~' "
                    f"FROM {source} t WHERE id %% 4 = 0 AND EXISTS "
                    f"(SELECT 1 FROM {table} h WHERE h.id = t.id AND h.history_date = %s)",
                    [*defaults, changed, recorded],
                )
                written += cursor.rowcount
            cursor.execute(f"ANALYZE {table}")
    return written


def _fields(a) -> tuple:
    return (a.site.pk, a.score, a.ready, a.blockers, a.warnings, a.expiring, a.met)


def _measure(user, profile) -> list[str]:
    from reports import readiness
    from reports.readiness import assessing
    from sites.access import visible_sites
    from sites.selectors import site_refs

    today = timezone.localdate()
    past = today - dt.timedelta(days=182)
    month_ends = [today.replace(day=1) - dt.timedelta(days=1)]
    while len(month_ends) < 12:
        month_ends.append(month_ends[-1].replace(day=1) - dt.timedelta(days=1))
    requirement_set = readiness.requirement_set_for_profile(profile)
    refs = site_refs(visible_sites(user).order_by("name", "pk"))
    sites = len(refs)

    def engine(on, rows_path=False, summary_only=True):
        patch = mock.patch.object(assessing, "counts_in_database", return_value=not rows_path)
        with patch:
            return readiness.assess(
                sites=refs, requirements=requirement_set, on=on, summary_only=summary_only
            )

    def series_rows(dates):
        with mock.patch.object(assessing, "counts_in_database", return_value=False):
            return readiness.assess_series(sites=refs, requirements=requirement_set, dates=dates)

    # The fast path and the row path agree on this history too.
    sql, rows = engine(past), engine(past, rows_path=True)
    assert [_fields(a) for a in sql] == [_fields(a) for a in rows], "SQL and rows disagree"
    assert any(a.met for a in sql), "the history gave nothing to meet"
    reset_queries()  # the log holds at most 9,000 queries, and earlier runs fill it
    with CaptureQueriesContext(connection) as series_queries:
        series = readiness.assess_series(sites=refs, requirements=requirement_set, dates=month_ends)
    series_count = len(series_queries)  # now: a request's reset_queries empties the log
    for day in (month_ends[0], month_ends[-1]):
        assert [_fields(a) for a in series[day]] == [_fields(a) for a in engine(day)]

    client = Client()
    client.force_login(user)
    page_url = f"/readiness/?profile={profile.code}&on={past.isoformat()}"
    api_url = f"/api/v1/readiness/?profile={profile.code}&on={past.isoformat()}"
    assert client.get(page_url).status_code == 200

    figures = {
        "page": _ms(_timed(lambda: client.get(page_url), RUNS)),
        "api": _ms(_timed(lambda: client.get(api_url), RUNS)),
        "today": _ms(_timed(lambda: engine(today), RUNS)),
        "past_sql": _ms(_timed(lambda: engine(past), RUNS)),
        "past_rows": _ms(_timed(lambda: engine(past, rows_path=True), RUNS // 3, warm=1)),
        "past_full": _ms(
            _timed(lambda: engine(past, rows_path=True, summary_only=False), RUNS // 3, warm=1)
        ),
        "series": _ms(
            _timed(
                lambda: readiness.assess_series(
                    sites=refs, requirements=requirement_set, dates=month_ends
                ),
                RUNS // 3,
                warm=1,
            )
        ),
        "series_rows": _ms(_timed(lambda: series_rows(month_ends), RUNS // 3, warm=1)),
        "floor": _ms(_timed(lambda: client.get("/accessibility/"), FLOOR_RUNS)),
    }
    floor = figures["floor"][0]

    def line(label: str, key: str) -> str:
        median, p95 = figures[key]
        return (
            f"| {label} | {median:.0f} ms | {p95:.0f} ms | {floor:.1f} ms | {median / floor:.0f}x |"
        )

    return [
        f"{sites} sites against {profile.name} ({len(requirement_set.requirements)} "
        f"requirements); past date {past:%d %B %Y}; trend: the 12 month-ends from "
        f"{month_ends[-1]:%d %B %Y} to {month_ends[0]:%d %B %Y}.",
        "",
        "| measure | median | p95 | floor, same run | ratio to floor |",
        "|---|---:|---:|---:|---:|",
        line(f"ranking page for the past date ({past.isoformat()})", "page"),
        line("ranking API for the past date", "api"),
        line("engine, today (SQL fast path on the tables)", "today"),
        line("engine, past date, SQL fast path on the history tables", "past_sql"),
        line("engine, past date, row path (history.py; what SQLite runs)", "past_rows"),
        line("engine, past date, every row's detail (as a report uses it)", "past_full"),
        line("trend: `assess_series`, 12 dates (PostgreSQL: one statement per date)", "series"),
        line(
            f"trend: `assess_series` by the row path, one read of the history "
            f"({series_count} queries; what SQLite runs)",
            "series_rows",
        ),
    ]


def run(report: list[str]) -> None:
    from accounts.models import User
    from trials.models import RequirementProfile

    started = time.perf_counter()
    user = User.objects.get(email=NATIONAL_USER)
    profile = RequirementProfile.objects.get(code=PROFILE)
    with transaction.atomic():
        written = _give_history(timezone.now())
        lines = _measure(user, profile)
        transaction.set_rollback(True)
    report += [
        "## Past dates from the change history",
        "",
        f"{written:,} history rows added for this run (rolled back after it); see the module "
        "docstring of tests/bench/bench_readiness_history.py.",
        "",
        *lines,
        "",
        f"This section took {time.perf_counter() - started:.0f} s.",
    ]
