"""`{% load readiness_window %}{% expiring_days %}`: the "expiring" window in page and PDF text.

A tag rather than a context processor so PDFs, rendered without a request, say the same.
"""

from __future__ import annotations

from django import template

from atmp_portal.expiring import expiring_days as _expiring_days

register = template.Library()


@register.simple_tag
def expiring_days() -> int:
    return _expiring_days()
