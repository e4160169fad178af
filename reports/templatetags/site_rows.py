"""Rows of the site dashboard and the site readiness page, built in Python (issue 14).

`{% load site_rows %}` then, inside the tables of reports/_assessment.html and the dashboard:
`{% capability_gap_rows a guidance actions %}`, `{% training_gap_rows a guidance actions %}`,
`{% expiring_requirement_rows a %}`, `{% met_items met %}`, `{% expiry_rows rows %}` and
`{% blocker_items blockers actions back %}`.

Python rather than template loops, includes and a `{% url %}` per link: the readiness page
renders ~200 gap rows (seven assessments) and the dashboard ~50 expiry rows, and the template
engine's variable lookups, includes and reverse() per link were over half of each page's CPU.
Even format_html costs several microseconds per value (lazy-string checks), so rows are
f-strings of values escaped by `_e` (Django's escape: html.escape, SafeData kept). The markup
is the templates' markup, unchanged; URLs are reversed once per page render (`_Page`) and
formatted per row. Gap links go where reports.links.gap_path says; guidance links are those of
guidance/_helps.html (a test keeps the two the same).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.dates import MONTHS
from django.utils.safestring import SafeData, SafeString, mark_safe

from reports.readiness import CAPABILITY, TRAINING
from training.expiry import EVIDENCE

register = template.Library()

_FIRST, _SECOND = 918273645, 918273646  # ids that appear nowhere else in a reversed URL
_SLUG = "slug-918273645"
_BLOCKER = '<strong class="nhsuk-tag nhsuk-tag--red">Blocker</strong>'
_WARNING = '<strong class="nhsuk-tag nhsuk-tag--yellow">Warning</strong>'
_OVERDUE = ' <strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong>'
_ROW = '\n    <tr role="row" class="nhsuk-table__row">'


def _e(value) -> str:
    """Django's conditional_escape without its lazy-string machinery."""
    if isinstance(value, SafeData):
        return str(value)
    return escape(str(value))


def _cell(heading: str, html: str) -> str:
    """A responsive table cell (the heading shows on narrow screens only)."""
    return (
        f'\n      <td role="cell" class="nhsuk-table__cell"><span class="nhsuk-table__heading"'
        f' aria-hidden="true">{heading} </span>{html}</td>'
    )


def _format(name: str, args: int) -> str:
    """URL pattern `name` with `args` int arguments as a str.format template ("{0}", "{1}")."""
    path = reverse(name, args=[_FIRST, _SECOND][:args])
    return path.replace(str(_FIRST), "{0}").replace(str(_SECOND), "{1}")


def _quote(value) -> str:
    """Django's `urlencode` filter (slashes kept)."""
    return quote(str(value), safe="/")


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


class _Page:
    """What every row of one page render shares: the URL templates, reversed once, and the
    month names for `{{ date|date:"j F Y" }}`."""

    def __init__(self) -> None:
        self.capability = _format("reports:capability", 2)
        self.matrix = _format("reports:site-training-matrix", 1)
        self.action_edit = _format("reports:action-edit", 2)
        self.action_new = _format("reports:action-new", 1)
        self.guidance = reverse("guidance:detail", args=[_SLUG]).replace(_SLUG, "{0}")
        self.months = {number: str(name) for number, name in MONTHS.items()}

    def gap(self, site_id: int, row) -> str:
        """reports.links.gap_path (escaped: paths of ints and a fragment)."""
        requirement = row.requirement
        if requirement.kind == CAPABILITY and requirement.capability_ids:
            return self.capability.format(site_id, requirement.capability_ids[0])
        return f"{self.matrix.format(site_id)}#course-{requirement.course_id}"

    def date(self, value: dt.date | None) -> str:
        """`{{ value|date:"j F Y" }}`: 1 December 2026."""
        if not value:
            return ""
        return f"{value.day} {self.months[value.month]} {value.year:04d}"


def _page(context) -> _Page:
    """The render's _Page, kept in the render context's outermost state: each included
    template pushes its own, and the readiness page includes one per assessment."""
    state = context.render_context.dicts[0]
    page = state.get(_Page)
    if page is None:
        page = state[_Page] = _Page()
    return page


def _guidance(page: _Page, helps: dict | None, requirement) -> str:
    """What `{% guidance_links helps row %}` (guidance/_helps.html) renders: each document
    once, linked. Markup copied from that template, with a test that they agree
    (tests/reports/test_site_rows.py); an include per row cost more than the row."""
    codes: list[str] = list(requirement.capability_codes or ())
    if requirement.course_code:
        codes.append(requirement.course_code)
    documents: dict = {}
    for code in codes:
        for document in (helps or {}).get(code, ()):
            documents.setdefault(document.slug, document)
    if not documents:
        return ""
    links = "; ".join(
        f'<a href="{page.guidance.format(_e(_quote(slug)))}">{_e(document.title)}</a>'
        for slug, document in documents.items()
    )
    return (
        f'<p class="nhsuk-body-s nhsuk-u-margin-bottom-0 app-guidance-helps">Guidance: {links}</p>'
    )


def _action_links(context, page: _Page, actions_by_key: dict, row, back: str | None) -> str:
    """The open actions on a gap row and, for the site's coordinators (`can_write`), their
    change links and "Add an action", each returning to `back` (the page's, unless given).
    Works without JavaScript: plain links to the action form."""
    site_id = context["site"].pk
    can_write = context.get("can_write")
    back = escape(_quote(context.get("back", "") if back is None else back))
    requirement = row.requirement
    label = _e(requirement.label)
    actions = actions_by_key.get(requirement.key, [])
    parts = []
    for action in actions:
        text = f"Action: {_e(action.owner_name)}, by {page.date(action.target_date)}"
        if action.is_overdue:
            text += _OVERDUE
        if can_write:
            text += (
                f' (<a href="{page.action_edit.format(site_id, action.pk)}?next={back}">change'
                f'<span class="nhsuk-u-visually-hidden"> the action on {label}</span></a>)'
            )
        parts.append(text)
    html = "; ".join(parts) if parts else "No action planned"
    if can_write:
        html += (
            f'{"<br>" if actions else ": "}<a href="{page.action_new.format(site_id)}'
            f'?gap={escape(_quote(requirement.key))}&amp;next={back}">'
            f"{'Add another action' if actions else 'Add an action'}"
            f'<span class="nhsuk-u-visually-hidden"> for {label}</span></a>'
        )
    return f'\n<span data-gap-actions="{_e(requirement.key)}">{html}</span>'


def _action_cell(context, page: _Page, actions_by_key, row) -> str:
    if actions_by_key is None:
        return ""
    return _cell("Action", _action_links(context, page, actions_by_key, row, None))


def _severity(row) -> str:
    return _BLOCKER if row.is_blocker else _WARNING


def _capability_cells(page: _Page, site_id: int, helps: dict | None, row) -> str:
    requirement = row.requirement
    sources = f" · {_e(', '.join(requirement.sources))}" if requirement.sources else ""
    return (
        _cell(
            "Capability",
            f'<span><a href="{page.gap(site_id, row)}">{_e(requirement.label)}'
            f'</a><br><span class="nhsuk-body-s">{_e(requirement.category_label)}{sources}'
            f"</span>{_guidance(page, helps, requirement)}</span>",
        )
        + _cell("Severity", _severity(row))
        + _cell("What we found", _e(f"{row.status_label}. {row.detail}"))
        + _cell("Closed by", _e("; ".join(requirement.closes_with) or "—"))
    )


def _training_cells(page: _Page, site_id: int, helps: dict | None, row) -> str:
    requirement = row.requirement
    sources = (
        f'<br><span class="nhsuk-body-s">{_e(", ".join(requirement.sources))}</span>'
        if requirement.sources
        else ""
    )
    return (
        _cell(
            "Training",
            f'<span><a href="{page.gap(site_id, row)}">{_e(requirement.label)}'
            f"</a>{sources}{_guidance(page, helps, requirement)}</span>",
        )
        + _cell("Severity", _severity(row))
        + _cell("Trained", f"{row.trained_count} of {row.needed}")
        + _cell("What we found", _e(row.detail))
    )


def _gap_rows(context, assessment, guidance: dict, actions_by_key, kind: str) -> SafeString:
    """The rows of an assessment's gaps of one kind (an Action column when `actions_by_key`
    is not None); `guidance` as from {% guidance_for_assessments %}."""
    page = _page(context)
    site_id = assessment.site.pk
    if kind == CAPABILITY:
        helps, cells = (guidance or {}).get("capabilities"), _capability_cells
    else:
        helps, cells = (guidance or {}).get("courses"), _training_cells
    return mark_safe(
        "".join(
            _ROW
            + cells(page, site_id, helps, row)
            + _action_cell(context, page, actions_by_key, row)
            + "\n    </tr>"
            for row in assessment.rows
            if not row.is_met and row.requirement.kind == kind
        )
    )


@register.simple_tag(takes_context=True)
def capability_gap_rows(context, assessment, guidance: dict, actions_by_key) -> SafeString:
    """The rows of an assessment's "Capability gaps" table."""
    return _gap_rows(context, assessment, guidance, actions_by_key, CAPABILITY)


@register.simple_tag(takes_context=True)
def training_gap_rows(context, assessment, guidance: dict, actions_by_key) -> SafeString:
    """The rows of an assessment's "Training gaps" table."""
    return _gap_rows(context, assessment, guidance, actions_by_key, TRAINING)


@register.simple_tag(takes_context=True)
def expiring_requirement_rows(context, assessment) -> SafeString:
    """The rows of an assessment's "Expiring within N days" table."""
    page = _page(context)
    site_id = assessment.site.pk
    return mark_safe(
        "".join(
            _ROW
            + _cell(
                "Requirement", f'<a href="{page.gap(site_id, row)}">{_e(row.requirement.label)}</a>'
            )
            + _cell("Valid until", page.date(row.expires_on))
            + _cell("Details", _e(row.detail))
            + "\n    </tr>"
            for row in assessment.expiring_rows
        )
    )


@register.simple_tag
def met_items(rows: Iterable) -> SafeString:
    """The list items of an assessment's folded "Met requirements"."""
    return mark_safe(
        "".join(f"<li>{_e(row.requirement.label)}: {_e(row.detail)}</li>" for row in rows)
    )


def _cell_r(heading: str, html: str) -> str:
    """The dashboard's cells (role before class, as its other tables)."""
    return (
        f'\n      <td class="nhsuk-table__cell" role="cell"><span class="nhsuk-table__heading"'
        f' aria-hidden="true">{heading} </span>{html}</td>'
    )


@register.simple_tag(takes_context=True)
def expiry_rows(context, rows: Iterable) -> SafeString:
    """The rows of the dashboard's expired and expiring tables (reports.expiry_list.ExpiryRow)."""
    page = _page(context)
    out = []
    for row in rows:
        item = row.item
        days = row.days_left
        if days < 0:
            tag = (
                f'<strong class="nhsuk-tag nhsuk-tag--red">Expired {-days} day{_plural(-days)}'
                " ago</strong>"
            )
        else:
            tag = (
                f'<strong class="nhsuk-tag nhsuk-tag--yellow">{days} day{_plural(days)} left'
                "</strong>"
            )
        out.append(
            f'\n    <tr class="nhsuk-table__row" role="row" data-expiry="{_e(item.kind)}">'
            + _cell_r("Item", f'<a href="{_e(row.url)}">{_e(item.label)}</a>')
            + _cell_r("Kind", "Capability evidence" if item.kind == EVIDENCE else "Training")
            + _cell_r("Expires", f"{page.date(item.expires_on)} {tag}")
            + "\n    </tr>"
        )
    return mark_safe("".join(out))


@register.simple_tag(takes_context=True)
def blocker_items(context, gaps: Iterable, actions_by_key: dict, back: str) -> SafeString:
    """The dashboard's "What blocks <trial>" list items: each blocker, linked to where it is
    closed, with what was found and its actions (returning to `back`)."""
    page = _page(context)
    site_id = context["site"].pk
    out = []
    for gap in gaps:
        requirement = gap.requirement
        found = (
            f"{gap.trained_count} of {gap.needed} trained"
            if requirement.kind == TRAINING
            else _e(gap.status_label.lower())
        )
        out.append(
            f'<li><a href="{page.gap(site_id, gap)}">{_e(requirement.label)}</a> '
            f'<span class="nhsuk-u-font-size-16 nhsuk-u-secondary-text-colour">({found})</span>'
            f'\n    <br><span class="nhsuk-u-font-size-16">'
            f"{_action_links(context, page, actions_by_key, gap, back)}</span></li>"
        )
    return mark_safe("".join(out))
