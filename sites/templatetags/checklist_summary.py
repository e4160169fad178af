"""`{% load checklist_summary %}{% checklist_summary row %}`: one checklist item on one line
(name, status, expiry, evidence count), for the list page's 60+ rows and the autosave answer.

Python rather than an included template: the list page renders it once per item, and the
include's ~15 variable lookups per row were a third of the page's render time (issue 14,
docs/performance.md). `row` is a ChecklistRow or a ChecklistItem.
"""

from __future__ import annotations

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from sites.models import SiteCapability

register = template.Library()

_TAG_COLOURS = {
    SiteCapability.Status.IN_PLACE: "green",
    SiteCapability.Status.IN_PROGRESS: "blue",
    SiteCapability.Status.NOT_APPLICABLE: "grey",
}


@register.simple_tag
def checklist_summary(row, oob: bool = False) -> str:
    record = row.site_capability
    status = record.status if record else None
    expires = record.evidence_expires_on if record else None
    count = row.evidence_count
    return format_html(
        '<span class="app-checklist__summary" id="summary-{}"{}>'
        '<span class="app-checklist__name">{}</span> '
        '<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong> '
        '<span class="app-checklist__meta">{} · {} evidence file{}</span></span>',
        row.capability.pk,
        mark_safe(' hx-swap-oob="true"') if oob else "",
        row.capability.name,
        _TAG_COLOURS.get(status, "white"),
        row.status_label,
        f"valid to {date_format(expires, 'j M Y')}" if expires else "no expiry",
        count,
        "" if count == 1 else "s",
    )
