"""Writes to a site's action plan. Every change keeps its history, with the user's reason."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import User
from actions.models import GapAction
from sites.models import Site
from training.models import StaffMember

CREATED_REASON = "Action planned"
UPDATED_REASON = "Action updated"


def _owned_by(action: GapAction, owner: StaffMember | User) -> None:
    """One owner: a member of the site's staff, or a portal user."""
    is_staff = isinstance(owner, StaffMember)
    action.owner_staff = owner if is_staff else None
    action.owner_user = None if is_staff else owner


@transaction.atomic
def action_create(
    *,
    site: Site,
    requirement_key: str,
    requirement_label: str,
    owner: StaffMember | User,
    target_date: dt.date,
    user: User,
    note: str = "",
) -> GapAction:
    """Plan an action on one requirement of the site; the caller has checked that the user may
    write the site and that the requirement is one of its gaps."""
    action = GapAction(
        site=site,
        requirement_key=requirement_key,
        requirement_label=requirement_label,
        target_date=target_date,
        note=note,
        created_by=user,
    )
    _owned_by(action, owner)
    action._history_user = user
    action._change_reason = CREATED_REASON
    action.save()
    return action


@transaction.atomic
def action_update(
    *,
    action: GapAction,
    owner: StaffMember | User,
    target_date: dt.date,
    status: str,
    user: User,
    note: str = "",
    reason: str = "",
) -> GapAction:
    action = GapAction.objects.select_for_update().get(pk=action.pk)
    _owned_by(action, owner)
    action.target_date = target_date
    action.status = status
    action.note = note
    action._history_user = user
    action._change_reason = reason.strip() or UPDATED_REASON
    action.save()
    return action
