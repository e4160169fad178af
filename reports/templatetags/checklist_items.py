"""`{% load checklist_items %}{% checklist_items group.rows guidance writable %}`: the checklist
page's items, each a closed `<details>` line (its one-line summary; opened: its guidance, the
trials and profiles that need it, and the link to its own page, which works without JavaScript).

Python rather than template markup: the page renders 60+ items, and the row loop's variable
lookups, its inner loop and one guidance include per item were over half of the page's CPU
(issue 14, docs/performance.md). Text is escaped with the standard library's `html.escape`,
which is what Django's `escape` calls, without the lazy-string wrapper that made `format_html`
seven times slower per call. The guidance line is the markup of guidance's `guidance_links`
(`guidance/_helps.html`) written out here, with the documents' URL reversed once per page: the
template rendered once per item was a third of the rows' cost. A test holds the two equal
(tests/reports/test_checklist_page.py).
"""

from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from guidance.templatetags.guidance_tags import guidance_links
from sites.templatetags.checklist_summary import checklist_summary

register = template.Library()

_GUIDANCE_URL = "checklist_items.guidance_url"  # in the render context: one reverse per page
_SLUG = "slug-to-fill-in"


@register.simple_tag(takes_context=True)
def checklist_items(context, rows, guidance: dict, writable: set[str]) -> SafeString:
    """`rows`: ChecklistRows with `needs` and `url` set (reports.checklist); `guidance`: code ->
    documents (`guidance_for_capabilities`); `writable`: the categories the user may change."""
    if _GUIDANCE_URL not in context.render_context:
        context.render_context[_GUIDANCE_URL] = reverse("guidance:detail", args=[_SLUG])
    guidance_url = context.render_context[_GUIDANCE_URL]
    items = []
    for row in rows:
        capability = row.capability
        url = escape(row.url)
        verb = "Open and change" if capability.category in writable else "Open"
        items.append(
            f'<li id="item-{capability.pk}" class="app-checklist__item">'
            f'<details class="app-checklist__details" hx-get="{url}" hx-trigger="toggle once"'
            ' hx-target="find .app-checklist__body" hx-swap="innerHTML">'
            f"<summary>{checklist_summary(row)}</summary>\n"
            '<div class="app-checklist__body">\n'
            f"{_guidance_line(guidance_url, guidance, capability.code)}{_needed_by(row.needs)}"
            f'<p class="nhsuk-body-s"><a href="{url}">{verb} {escape(capability.name)}</a></p>\n'
            "</div></details></li>\n"
        )
    return mark_safe("".join(items))


def _guidance_line(guidance_url: str, guidance: dict, code: str) -> str:
    """What `{% guidance_links guidance code %}` renders."""
    documents = guidance_links(guidance, code)["documents"]
    if not documents:
        return ""
    links = "; ".join(
        f'<a href="{escape(guidance_url.replace(_SLUG, document.slug))}">'
        f"{escape(document.title)}</a>"
        for document in documents
    )
    return (
        '<p class="nhsuk-body-s nhsuk-u-margin-bottom-0 app-guidance-helps">'
        f"Guidance: {links}</p>\n"
    )


def _needed_by(needs: list) -> str:
    """ "Needed by ORION-19 (gap), CAR-T core." """
    if not needs:
        return ""
    names = ", ".join(escape(need.label) + (" (gap)" if need.is_gap else "") for need in needs)
    return f'<p class="nhsuk-body-s">Needed by {names}.</p>\n'
