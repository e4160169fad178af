"""{% gap_path site_id row %}: the page that closes a gap row (reports.links); {% gap_actions %}: its actions."""

from __future__ import annotations

from django import template

from reports import links

register = template.Library()


@register.simple_tag
def gap_path(site_id: int, row) -> str:
    return links.gap_path(site_id, row)


@register.simple_tag
def gap_url(site_id: int, row) -> str:
    return links.gap_url(site_id, row)


@register.simple_tag
def gap_actions(actions_by_key: dict, row) -> list:
    """The open actions on a gap row, from actions.selectors.open_actions_by_key."""
    return actions_by_key.get(row.requirement.key, [])
