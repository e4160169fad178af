"""{% gap_path site_id row %}: the page that closes a gap row (reports.links)."""

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
