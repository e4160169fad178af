"""Reference data from the JSON files in data/: regions, sites, catalogues, profiles, trials, guidance.

Every loader upserts on the record's natural key, so loading twice changes nothing. Requirement
rows have no natural key of their own: they are compared with the data as a whole and replaced
only when they differ, so a second run keeps the same rows (and ids).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.db import models

from accounts.models import User
from guidance.models import GuidanceDocument, GuidanceVersion
from guidance.rendering import html_to_text, render_markdown
from guidance.services import document_links_update, search_vector_refresh
from sites.models import Capability, Region, Site
from training.models import Course, add_months
from trials.models import (
    TRIAL_DESCRIPTION_FIELDS,
    TRIAL_IDENTIFIER_FIELDS,
    CapabilityRequirement,
    RequirementOverride,
    RequirementProfile,
    TrainingRequirement,
    Trial,
    TrialSite,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
CHANGE_REASON = "Demo data (seed_demo)"
# The day data/trials.json's opening dates are written for (see load_trials).
TRIAL_DATES_AS_OF = dt.date(2026, 11, 23)

# Seeded guidance is dated, not "today": the version record must not change between runs.
GUIDANCE_EFFECTIVE_DATE = dt.date(2026, 1, 5)
GUIDANCE_PUBLISHED_AT = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
GUIDANCE_CHANGE_NOTE = "First version, loaded with the demo data."

# Catalogue entries the portal adds beyond domain.md's lists (domain.md §7, T2 and T8).
CUSTOM_CAPABILITIES = {"haemophilia_ccc"}
CUSTOM_COURSES = {"il2_toxicity"}


@cache
def load(name: str) -> list[dict[str, Any]]:
    with (DATA_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def _upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]):
    """update_or_create that writes (and adds a history row) only when something changed."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
    elif all(getattr(obj, name) == value for name, value in values.items()):
        return obj
    else:
        for name, value in values.items():
            setattr(obj, name, value)
    obj._change_reason = CHANGE_REASON
    obj.full_clean()
    obj.save()
    return obj


def load_regions() -> dict[str, Region]:
    return {
        row["code"]: _upsert(
            Region,
            {"code": row["code"]},
            {key: row[key] for key in ("name", "kind", "nhs_region", "host_organisation")},
        )
        for row in load("regions")
    }


def load_sites(regions: dict[str, Region]) -> dict[str, Site]:
    """Real NHS organisations; full_clean checks each code against its code system."""
    sites = {}
    for row in load("sites"):
        sites[row["ods_code"]] = _upsert(
            Site,
            {"ods_code": row["ods_code"]},
            {
                "name": row["name"],
                "code_system": row["code_system"],
                "region": regions[row["region"]],
                "city": row["city"],
                "attc": row["attc"],
                "description": row["relevance"],
                "is_demo": True,
                "latitude": _degrees(row["latitude"]),
                "longitude": _degrees(row["longitude"]),
            },
        )
    return sites


def _degrees(value: float) -> Decimal:
    """A coordinate as the model stores it (4 decimal places: about 10 m)."""
    return Decimal(str(value)).quantize(Decimal("0.0001"))


def load_capabilities() -> dict[str, Capability]:
    return {
        row["code"]: _upsert(
            Capability,
            {"code": row["code"]},
            {
                "name": row["name"],
                "category": row["category"],
                "description": row["description"],
                "atmp_classes": row["atmp_classes"],
                "applies_when": row["applies_when"],
                "applies_note": row["applies_note"],
                "evidence_expected": row["evidence"],
                "evidence_validity_months": row["evidence_validity_months"],
                "is_custom": row["code"] in CUSTOM_CAPABILITIES,
            },
        )
        for row in load("capabilities")
    }


def load_courses() -> dict[str, Course]:
    return {
        row["code"]: _upsert(
            Course,
            {"code": row["code"]},
            {
                "title": row["title"],
                "provider": row["provider"],
                "renewal_months": row["renewal_months"],
                "roles": row["roles"],
                "roles_note": row["roles_note"],
                "scope": row["scope"],
                "is_custom": row["code"] in CUSTOM_COURSES,
            },
        )
        for row in load("courses")
    }


def _replace_requirements(
    owner: dict[str, Any],
    rows: dict[str, list[dict[str, Any]]],
    capabilities: dict[str, Capability],
    courses: dict[str, Course],
) -> None:
    """Make the owner's requirement rows match the data, rewriting them only if they differ."""
    wanted_caps = [
        (tuple(sorted(row["any_of"])), row["level"], row.get("note", ""))
        for row in rows["capability_requirements"]
    ]
    existing_caps = CapabilityRequirement.objects.filter(**owner).prefetch_related("capabilities")
    have_caps = [
        (tuple(sorted(c.code for c in req.capabilities.all())), req.level, req.note)
        for req in existing_caps.order_by("pk")
    ]
    if sorted(have_caps) != sorted(wanted_caps):
        CapabilityRequirement.objects.filter(**owner).delete()
        for codes, level, note in wanted_caps:
            requirement = CapabilityRequirement(**owner, level=level, note=note)
            requirement._change_reason = CHANGE_REASON
            requirement.save()
            requirement.capabilities.set([capabilities[code] for code in codes])

    wanted_training = [
        (
            row["course"],
            row.get("role", "") or "",
            row.get("min_staff", 1),
            row.get("level", "mandatory"),
        )
        for row in rows["training_requirements"]
    ]
    have_training = [
        (req.course.code, req.role, req.min_staff, req.level)
        for req in TrainingRequirement.objects.filter(**owner).select_related("course")
    ]
    if sorted(have_training) != sorted(wanted_training):
        TrainingRequirement.objects.filter(**owner).delete()
        for course, role, min_staff, level in wanted_training:
            requirement = TrainingRequirement(
                **owner, course=courses[course], role=role, min_staff=min_staff, level=level
            )
            requirement._change_reason = CHANGE_REASON
            requirement.full_clean()
            requirement.save()


def load_profiles(
    capabilities: dict[str, Capability], courses: dict[str, Course]
) -> dict[str, RequirementProfile]:
    profiles = {}
    for row in load("profiles"):
        profile = _upsert(
            RequirementProfile,
            {"code": row["code"]},
            {"name": row["name"], "description": row["description"]},
        )
        _replace_requirements({"profile": profile}, row, capabilities, courses)
        profiles[row["code"]] = profile
    return profiles


def load_trials(
    sites: dict[str, Site],
    profiles: dict[str, RequirementProfile],
    capabilities: dict[str, Capability],
    courses: dict[str, Course],
    anchor: dt.date,
    inviter: User,
) -> dict[str, Trial]:
    """The 8 fictional trials; full_clean validates every registry identifier's format.

    Opening dates and response deadlines in data/trials.json are written as of
    TRIAL_DATES_AS_OF and move with the anchor, so a site that opened "six months ago" still
    did whatever day the seed runs, and an invitation is still open. `inviter` (the national
    network coordinator) sent every invitation.
    """
    trials = {}
    for row in load("trials"):
        identifiers = tuple(f for f in TRIAL_IDENTIFIER_FIELDS if f != "iras_id")  # the key
        fields = TRIAL_DESCRIPTION_FIELDS + identifiers
        trial = _upsert(
            Trial,
            {"iras_id": row["iras_id"]},
            {**{name: row[name] for name in fields}, "is_demo": True},
        )
        wanted_profiles = {profiles[code].pk for code in row["profiles"]}
        if set(trial.profiles.values_list("pk", flat=True)) != wanted_profiles:
            trial.profiles.set(wanted_profiles)
        _replace_requirements({"trial": trial}, row, capabilities, courses)
        _replace_overrides(trial, row.get("overrides", []), profiles)
        for participation in row["sites"]:
            _upsert(
                TrialSite,
                {"trial": trial, "site": sites[participation["ods_code"]]},
                _participation(participation, anchor - TRIAL_DATES_AS_OF, inviter),
            )
        trials[row["iras_id"]] = trial
    return trials


def _replace_overrides(
    trial: Trial, rows: list[dict[str, Any]], profiles: dict[str, RequirementProfile]
) -> None:
    """The trial's overrides of inherited profile requirements (RENEW-SCD accepts three
    CAR-T core items as recommended), saved only where they differ."""
    keep = []
    for row in rows:
        codes = set(row["any_of"])
        requirement = next(
            r
            for r in profiles[row["profile"]].capability_requirements.prefetch_related(
                "capabilities"
            )
            if {c.code for c in r.capabilities.all()} == codes
        )
        override = RequirementOverride.objects.filter(
            trial=trial, capability_requirement=requirement
        ).first() or RequirementOverride(trial=trial, capability_requirement=requirement)
        if (override.level, override.reason) != (row["level"], row["reason"]):
            override.level, override.reason = row["level"], row["reason"]
            override._change_reason = CHANGE_REASON
            override.save()
        keep.append(override.pk)
    RequirementOverride.objects.filter(trial=trial).exclude(pk__in=keep).delete()


def _participation(row: dict, shift: dt.timedelta, inviter: User) -> dict[str, Any]:
    """A TrialSite's values; every status from `invited` on was invited by `inviter`."""

    def moved(key: str) -> dt.date | None:
        return dt.date.fromisoformat(row[key]) + shift if row.get(key) else None

    invited = row["status"] != TrialSite.Status.SHORTLISTED
    return {
        "status": row["status"],
        "planned_opening": moved("planned_opening"),
        "invited_by": inviter if invited else None,
        "respond_by": moved("respond_by"),
        "message": row.get("message", ""),
        "reason": row.get("reason", ""),
    }


def _link_guidance(
    document: GuidanceDocument,
    row: dict,
    editor: User,
    capabilities: dict[str, Capability],
    courses: dict[str, Course],
) -> None:
    wanted_capabilities = [capabilities[code] for code in row["capabilities"]]
    wanted_courses = [courses[code] for code in row["courses"]]
    if document.is_retired or (
        set(document.capabilities.values_list("code", flat=True)) == set(row["capabilities"])
        and set(document.courses.values_list("code", flat=True)) == set(row["courses"])
    ):
        return
    document_links_update(
        document=document, user=editor, capabilities=wanted_capabilities, courses=wanted_courses
    )


def load_guidance(
    editor: User, capabilities: dict[str, Capability], courses: dict[str, Course]
) -> dict[str, GuidanceDocument]:
    """Documents are upserted; a document with no version gets version 1, published.

    Published versions are immutable records, so an existing document's versions are left as
    they are (an editor may have published newer ones in the demo). Each document's capabilities
    and courses (the checklist items, gap rows and training it helps with) are set as the data
    file says, through the editor's service, and only when they differ (no history row
    otherwise); a retired document keeps the links it had.
    """
    documents = {}
    for row in load("guidance"):
        document = _upsert(
            GuidanceDocument,
            {"slug": row["slug"]},
            {
                "title": row["title"],
                "section": row["section"],
                "topics": row["topics"],
                "atmp_classes": row["atmp_classes"],
                "product_statuses": row["product_status"],
                "source": row["source"],
            },
        )
        if not document.versions.exists():
            body_html = render_markdown(row["body"])
            version = GuidanceVersion(
                document=document,
                number=1,
                reread_from=1,
                status=GuidanceVersion.Status.PUBLISHED,
                title=row["title"],
                summary=row["summary"],
                body_markdown=row["body"],
                body_html=body_html,
                body_text=html_to_text(body_html),
                change_note=GUIDANCE_CHANGE_NOTE,
                effective_date=GUIDANCE_EFFECTIVE_DATE,
                review_due=add_months(GUIDANCE_EFFECTIVE_DATE, row["review_months"]),
                created_by=editor,
                published_by=editor,
                published_at=GUIDANCE_PUBLISHED_AT,
            )
            version._change_reason = CHANGE_REASON
            version.save()
        _link_guidance(document, row, editor, capabilities, courses)
        documents[row["slug"]] = document
    # Derived data, so it may be filled in on published versions (PostgreSQL only): new
    # versions, and any a database seeded before search existed is missing.
    search_vector_refresh(
        versions=GuidanceVersion.objects.filter(
            document__in=documents.values(), search_vector__isnull=True
        )
    )
    return documents
