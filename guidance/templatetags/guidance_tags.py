"""Guidance on other apps' pages, without those apps importing guidance (docs/architecture.md).

`{% load guidance_tags %}{% guidance_rereads user=request.user %}`: the guidance the user must
read again (a new version of something they acknowledged), as a panel; nothing if none.
"""

from __future__ import annotations

from django import template

from guidance import selectors

register = template.Library()


@register.inclusion_tag("guidance/_rereads.html")
def guidance_rereads(*, user) -> dict:
    return {"rereads": selectors.rereads_for(user)}
