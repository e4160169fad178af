"""{% invitations user=... site=... %}: the trial invitations awaiting an answer from a site
coordinator (on their home page, and on a site's dashboard)."""

from __future__ import annotations

from django import template

from trials.selectors import open_invitations

register = template.Library()


@register.inclusion_tag("trials/_invitations.html")
def invitations(*, user, site=None) -> dict:
    return {"invitations": open_invitations(user, site=site)}
