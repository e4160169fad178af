"""The past of each demo trial's sites: when each was considered, set up, opened, closed.

Opening dates in data/trials.json are written as of `TRIAL_DATES_AS_OF` and move with the
anchor (demo/catalogue.py); the history rows of each TrialSite follow them, so "open on
2026-05-11" in the data means the site opened that many days before the anchor.
"""

from __future__ import annotations

import datetime as dt

from demo.catalogue import TRIAL_DATES_AS_OF, load
from demo.history import HistoryRow
from demo.story import seeded_rng
from demo.timeline import HISTORY_DAYS
from trials.models import TrialSite

Status = TrialSite.Status


def opened_days_ago(row: dict) -> int | None:
    """Days before the anchor a participation opened (open and closed ones), else None."""
    if row["status"] not in (Status.OPEN, Status.CLOSED) or not row["planned_opening"]:
        return None
    return (TRIAL_DATES_AS_OF - dt.date.fromisoformat(row["planned_opening"])).days


def _timeline(iras_id: str, row: dict) -> list[HistoryRow]:
    rng = seeded_rng(row["ods_code"], "trial site", iras_id)
    opened = opened_days_ago(row)
    status = row["status"]
    if opened is None:
        considered = rng.randint(60, HISTORY_DAYS)
        steps = [(considered, Status.FEASIBILITY, "Feasibility requested")]
        if status == Status.IN_SETUP:
            steps.append((rng.randint(14, considered - 30), Status.IN_SETUP, "Site selected"))
        return [HistoryRow(days, reason, {"status": value}) for days, value, reason in steps]
    set_up = min(HISTORY_DAYS - 30, opened + rng.randint(60, 140))
    steps = [
        (min(HISTORY_DAYS, set_up + rng.randint(30, 90)), Status.FEASIBILITY,
         "Feasibility requested"),
        (set_up, Status.IN_SETUP, "Site selected"),
        (opened, Status.OPEN, "Opened to recruitment"),
    ]
    if status == Status.CLOSED:
        steps.append((rng.randint(10, max(11, opened - 60)), Status.CLOSED, "Recruitment closed"))
    return [HistoryRow(days, reason, {"status": value}) for days, value, reason in steps]


def sync_trial_site_history(trials: dict, sites: dict, anchor: dt.date, writer) -> None:
    rows = {
        (trials[trial["iras_id"]].pk, sites[row["ods_code"]].pk): (trial["iras_id"], row)
        for trial in load("trials")
        for row in trial["sites"]
    }
    timelines = [
        (trial_site, _timeline(*rows[(trial_site.trial_id, trial_site.site_id)]))
        for trial_site in TrialSite.objects.filter(trial__in=list(trials.values()))
        .order_by("pk")
        if (trial_site.trial_id, trial_site.site_id) in rows
    ]
    writer.history_of(TrialSite, timelines)
