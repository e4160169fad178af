"""`{% load training_matrix %}{% matrix_rows rows site.pk %}`: the training matrix's body, one
row per active staff member (their name, linked to their page) and one cell per course (status
tag, "not required for their role" on a record nobody asks of them, the expiry date).

Python rather than template markup: a site's matrix is ~30 staff by ~17 courses, and the
template's ~10 lookups and a `date` filter per cell were most of the page's CPU (issue 14,
docs/performance.md). The staff page's URL is reversed once per page; text is escaped with the
standard library's `html.escape` (what Django's `escape` calls, without its lazy wrapper).
"""

from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from atmp_portal.dates import short_date
from training.matrix import CELL_COLOURS, CELL_LABELS, NOT_REQUIRED, MatrixCell, MatrixRow

register = template.Library()

_TAGS = {
    status: f'<strong class="nhsuk-tag nhsuk-tag--{CELL_COLOURS[status]}">{label}</strong>'
    for status, label in CELL_LABELS.items()
}
_NOT_FOR_ROLE = '<br><span class="nhsuk-body-s">not required for their role</span>'
_STAFF_ID = 918273645  # stands for the staff id in the reversed URL, then replaced


@register.simple_tag
def matrix_rows(rows: list[MatrixRow], site_id: int) -> SafeString:
    before, _, after = reverse("training:staff-detail", args=[site_id, _STAFF_ID]).rpartition(
        str(_STAFF_ID)
    )
    return mark_safe(
        "".join(
            "<tr>\n"
            f'<th scope="row"><a href="{escape(before)}{row.staff.pk}{escape(after)}">'
            f"{escape(row.staff.full_name)}</a></th>\n"
            f"{''.join(map(_cell, row.cells))}\n"
            "</tr>\n"
            for row in rows
        )
    )


def _cell(cell: MatrixCell) -> str:
    note = _NOT_FOR_ROLE if not cell.required and cell.status != NOT_REQUIRED else ""
    expiry = (
        f'<br><span class="nhsuk-body-s">to {short_date(cell.expires_on)}</span>'
        if cell.expires_on
        else ""
    )
    return f"<td>{_TAGS[cell.status]}{note}{expiry}</td>"
