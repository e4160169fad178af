"""`{% load checklist_summary %}{% checklist_summary row %}`: one checklist item on one line
(name, status, expiry, evidence count), for the list page's 60+ rows and the autosave answer.

Python rather than an included template: the list page renders it once per item, and the
include's ~15 variable lookups per row were a third of the page's render time (issue 14,
docs/performance.md). Text is escaped with the standard library's `html.escape` (what Django's
`escape` calls) rather than through `format_html`, whose lazy-string wrapper cost more than the
rest of the line. `row` is a ChecklistRow or a ChecklistItem (both have `status` and `expires_on`).
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from atmp_portal.dates import short_date
from sites.models import SiteCapability

register = template.Library()

_TAG_COLOURS = {
    SiteCapability.Status.IN_PLACE: "green",
    SiteCapability.Status.IN_PROGRESS: "blue",
    SiteCapability.Status.NOT_APPLICABLE: "grey",
}
_OOB = ' hx-swap-oob="true"'


@register.simple_tag
def checklist_summary(row, oob: bool = False) -> SafeString:
    expires = row.expires_on
    count = row.evidence_count
    validity = f"valid to {short_date(expires)}" if expires else "no expiry"
    return mark_safe(
        f'<span class="app-checklist__summary" id="summary-{row.capability.pk}"'
        f"{_OOB if oob else ''}>"
        f'<span class="app-checklist__name">{escape(row.capability.name)}</span> '
        f'<strong class="nhsuk-tag nhsuk-tag--{_TAG_COLOURS.get(row.status, "white")}">'
        f"{escape(row.status_label)}</strong> "
        f'<span class="app-checklist__meta">{validity} · {count} evidence file'
        f"{'' if count == 1 else 's'}</span></span>"
    )
