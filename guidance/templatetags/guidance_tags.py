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


@register.simple_tag
def guidance_for_capabilities(codes) -> dict:
    """`{% guidance_for_capabilities codes as helps %}`: one query for a whole page.

    `codes` may be capability codes or objects with a `code` (Capability rows).
    """
    return selectors.guidance_for_capabilities(_codes(codes))


@register.simple_tag
def guidance_for_courses(codes) -> dict:
    return selectors.guidance_for_courses(_codes(codes))


@register.simple_tag
def guidance_for_assessments(sections) -> dict:
    """`{% guidance_for_assessments sections as guidance %}`: guidance for every gap row of a
    page of assessments, in two queries however many assessments the page shows.

    `sections` are the page's sections (dicts or objects with an `assessment`) or assessments
    themselves; the answer has
    `capabilities` and `courses`, each code -> documents, for `guidance_links`.
    """
    capability_codes: list[str] = []
    course_codes: list[str] = []
    for section in sections or []:
        if isinstance(section, dict):
            assessment = section["assessment"]
        else:
            assessment = getattr(section, "assessment", section)
        capability_codes += _codes(list(assessment.capability_gaps))
        course_codes += _codes(list(assessment.training_gaps))
    return {
        "capabilities": selectors.guidance_for_capabilities(capability_codes),
        "courses": selectors.guidance_for_courses(course_codes),
    }


def _codes(items) -> list[str]:
    """The codes named by what a page lists, whatever its shape.

    A code; a Capability or Course (`.code`); a checklist row (`.capability`); a gap row
    (`.requirement` with `capability_codes` or `course_code`); a checklist group (`.rows`).
    """
    if isinstance(items, str):
        return [items]
    if any(hasattr(items, name) for name in ("rows", "requirement", "capability", "code")):
        items = [items]  # one row or object, not a list of them
    codes: list[str] = []
    for item in items or []:
        if isinstance(item, str):
            codes.append(item)
        elif hasattr(item, "rows"):
            codes += _codes(item.rows)
        elif hasattr(item, "requirement"):
            requirement = item.requirement
            codes += list(getattr(requirement, "capability_codes", ()) or ())
            codes += [requirement.course_code] if getattr(requirement, "course_code", "") else []
        elif hasattr(item, "capability"):
            codes.append(item.capability.code)
        elif hasattr(item, "code"):
            codes.append(item.code)
    return codes


@register.inclusion_tag("guidance/_helps.html")
def guidance_links(helps: dict, codes) -> dict:
    """`{% guidance_links helps row.capability.code %}`: its guidance, from `helps` (no query).

    `codes` may be one code or several (a requirement's alternatives); each document once.
    """
    documents = {}
    for code in _codes(codes):
        for document in (helps or {}).get(code, []):
            documents.setdefault(document.slug, document)
    return {"documents": list(documents.values())}
