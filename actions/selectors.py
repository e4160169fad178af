"""Reads of a site's action plan, and a trial's forecast derived from it (never stored)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from actions.models import GapAction
from sites.models import Site

# An action's fields as its history shows them (the action's page, the site's history CSV).
# The owners are read as the people, so a history row names them rather than their ids: query
# the history through action_history_rows, which fetches them in the same query.
HISTORY_FIELDS = {
    "status": "Status",
    "target_date": "Target date",
    "note": "Note",
    "owner_staff": "Owner (site staff)",
    "owner_user": "Owner (portal user)",
}


def action_history_rows(rows: QuerySet) -> QuerySet:
    """Historical action rows with who made each change and the owners they name: one query."""
    return rows.select_related("history_user", "owner_staff", "owner_user").order_by(
        "history_date", "history_id"
    )


def site_actions(site: Site) -> QuerySet[GapAction]:
    return GapAction.objects.filter(site=site).select_related("owner_staff", "owner_user")


def open_actions_by_key(site: Site) -> dict[str, list[GapAction]]:
    """The site's open actions, by the requirement they close: one query."""
    by_key: dict[str, list[GapAction]] = defaultdict(list)
    for action in site_actions(site).filter(status=GapAction.Status.OPEN):
        by_key[action.requirement_key].append(action)
    return by_key


@dataclass(frozen=True)
class Forecast:
    """When a trial's blockers would all be closed if the open actions are completed."""

    blockers: int
    uncovered: int  # blockers with no open action
    ready_by: dt.date | None  # None: already ready, or not forecastable

    @property
    def is_forecastable(self) -> bool:
        return self.blockers > 0 and self.uncovered == 0


def forecast(blocker_keys: Iterable[str], open_actions: dict[str, list[GapAction]]) -> Forecast:
    """The latest target date among the actions covering every blocker; a blocker with several
    open actions counts the latest (the last of them to finish)."""
    keys = list(blocker_keys)
    uncovered = sum(1 for key in keys if not open_actions.get(key))
    if not keys or uncovered:
        return Forecast(blockers=len(keys), uncovered=uncovered, ready_by=None)
    ready_by = max(max(a.target_date for a in open_actions[key]) for key in keys)
    return Forecast(blockers=len(keys), uncovered=0, ready_by=ready_by)
