"""`{% load conditional_reveal %}{% revealed_fields field value as revealed %}`: the fields a radio
option reveals (NHS.UK conditional reveal), for templates/includes/_field.html.

A form names them in `reveals`: {"status": {"not_applicable": ("not_applicable_reason",)}}
shows the reason under the "Not applicable" option. Without JavaScript they are simply shown.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def revealed_fields(bound_field, value) -> list:
    form = bound_field.form
    names = getattr(form, "reveals", {}).get(bound_field.name, {}).get(str(value), ())
    return [form[name] for name in names]
