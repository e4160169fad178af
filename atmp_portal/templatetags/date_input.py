"""`{% load date_input %}{% date_error_boxes field as boxes %}`: the boxes of an NHS.UK date input
to mark as wrong (atmp_portal.dates.error_boxes), for templates/includes/_date_input.html."""

from __future__ import annotations

from django import template

from atmp_portal.dates import error_boxes

register = template.Library()


@register.simple_tag
def date_error_boxes(bound_field) -> tuple[str, ...]:
    return error_boxes(bound_field) if bound_field.errors else ()
