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


# The steps of site selection (trials.models.TRANSITIONS) that lead to each status.
PATHS = {
    Status.SHORTLISTED: (Status.SHORTLISTED,),
    Status.INVITED: (Status.SHORTLISTED, Status.INVITED),
    Status.INTERESTED: (Status.SHORTLISTED, Status.INVITED, Status.INTERESTED),
    Status.DECLINED: (Status.SHORTLISTED, Status.INVITED, Status.DECLINED),
    Status.SELECTED: (Status.SHORTLISTED, Status.INVITED, Status.INTERESTED, Status.SELECTED),
    Status.NOT_SELECTED: (
        Status.SHORTLISTED,
        Status.INVITED,
        Status.INTERESTED,
        Status.NOT_SELECTED,
    ),
    Status.IN_SETUP: (
        Status.SHORTLISTED,
        Status.INVITED,
        Status.INTERESTED,
        Status.SELECTED,
        Status.IN_SETUP,
    ),
    Status.OPEN: (
        Status.SHORTLISTED,
        Status.INVITED,
        Status.INTERESTED,
        Status.SELECTED,
        Status.IN_SETUP,
        Status.OPEN,
    ),
    Status.CLOSED: (
        Status.SHORTLISTED,
        Status.INVITED,
        Status.INTERESTED,
        Status.SELECTED,
        Status.IN_SETUP,
        Status.OPEN,
        Status.CLOSED,
    ),
}
# Days between a step and the one before it (set-up takes months; answers take days).
GAPS = {
    Status.OPEN: (60, 140),
    Status.IN_SETUP: (7, 30),
    Status.SELECTED: (7, 30),
    Status.NOT_SELECTED: (7, 30),
    Status.INTERESTED: (5, 20),
    Status.DECLINED: (5, 20),
    Status.INVITED: (7, 30),
}


def opened_days_ago(row: dict) -> int | None:
    """Days before the anchor a participation opened (open and closed ones), else None."""
    if row["status"] not in (Status.OPEN, Status.CLOSED) or not row["planned_opening"]:
        return None
    return (TRIAL_DATES_AS_OF - dt.date.fromisoformat(row["planned_opening"])).days


def _timeline(iras_id: str, row: dict) -> list[HistoryRow]:
    """Each step of the participation's path, dated backwards from its last one."""
    rng = seeded_rng(row["ods_code"], "trial site", iras_id)
    path = PATHS[row["status"]]
    opened = opened_days_ago(row)
    if row["status"] == Status.CLOSED:
        days = [rng.randint(10, max(11, opened - 60)), opened]
    elif row["status"] == Status.OPEN:
        days = [opened]
    else:
        days = [rng.randint(5, 60)]
    while len(days) < len(path):
        step = path[len(path) - len(days)]
        days.append(days[-1] + rng.randint(*GAPS[step]))
    steps = []
    for index, (when, status) in enumerate(zip(reversed(days), path, strict=True)):
        if when >= HISTORY_DAYS:  # before the portal: the participation starts as it was then
            steps = []
        values = {"status": status}
        if index < len(path) - 1:  # the current row's reason is the last step's
            values["reason"] = ""
        if status == Status.SHORTLISTED:  # not invited yet
            values.update(invited_by_id=None, respond_by=None, message="")
        steps.append(HistoryRow(min(when, HISTORY_DAYS), Status(status).label, values))
    return steps


def sync_trial_site_history(trials: dict, sites: dict, anchor: dt.date, writer) -> None:
    rows = {
        (trials[trial["iras_id"]].pk, sites[row["ods_code"]].pk): (trial["iras_id"], row)
        for trial in load("trials")
        for row in trial["sites"]
    }
    timelines = [
        (trial_site, _timeline(*rows[(trial_site.trial_id, trial_site.site_id)]))
        for trial_site in TrialSite.objects.filter(trial__in=list(trials.values())).order_by("pk")
        if (trial_site.trial_id, trial_site.site_id) in rows
    ]
    writer.history_of(TrialSite, timelines)
