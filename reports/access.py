"""Who may ask for which report, and who may read one: the one access module for reports.

`report_scope` checks a request's scope against sites.access and trials.access;
`report_for` / `reports_of` are the reads every report page, download and API call uses;
`report_sites` is the set of sites a report covers, as its requester may see them.
What a user may not see is a 404, never a 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from reports.models import ReadinessReport
from sites.access import scoped_regions, site_for, visible_sites
from sites.models import Region, Site
from trials.access import trial_for, visible_trial_sites
from trials.models import RequirementProfile, Trial

Kind = ReadinessReport.Kind

# Messages asserted by tests and shown to users (form errors, API 400 bodies).
UNKNOWN_KIND = "Choose a report type: site, trial, region or national."
SITE_REQUIRED = "Choose a site for a site report."
REGION_REQUIRED = "Choose a region for a region report."
TRIAL_REQUIRED = "Choose a trial for a trial report."
REQUIREMENT_SET_REQUIRED = "Choose a trial or a requirement profile to assess against."
BOTH_TRIAL_AND_PROFILE = "Choose either a trial or a requirement profile, not both."


class ReportRequestError(ValueError):
    """Bad input for a report request; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ReportScope:
    """What a report covers, after the access layer has checked every part of it."""

    kind: str
    site: Site | None = None
    region: Region | None = None
    trial: Trial | None = None
    profile: RequirementProfile | None = None


def pk_of(value: object) -> object:
    return getattr(value, "pk", value)


def _profile_for(code_or_profile: object) -> RequirementProfile:
    if isinstance(code_or_profile, RequirementProfile):
        return code_or_profile
    try:
        return RequirementProfile.objects.get(code=str(code_or_profile))
    except RequirementProfile.DoesNotExist:
        raise Http404("No such requirement profile.") from None


def _region_for(user: User, code_or_region: object) -> Region:
    """Only regions the user covers in full: a region report lists every site in it."""
    regions = scoped_regions(user)
    try:
        if isinstance(code_or_region, Region):
            return regions.get(pk=code_or_region.pk)
        return regions.get(code__iexact=str(code_or_region))
    except Region.DoesNotExist:
        raise Http404("No such region.") from None


def report_scope(
    *,
    user: User,
    kind: str,
    site: object = None,
    region: object = None,
    trial: object = None,
    profile: object = None,
) -> ReportScope:
    """Check a requested scope against the access layer; Http404 for anything out of scope."""
    if kind not in Kind.values:
        raise ReportRequestError("kind", UNKNOWN_KIND)
    if not (user.is_authenticated and user.is_active):
        raise Http404("No such report scope.")
    has_trial, has_profile = trial not in (None, ""), profile not in (None, "")
    if has_trial and has_profile:
        raise ReportRequestError("profile", BOTH_TRIAL_AND_PROFILE)
    if kind == Kind.TRIAL:
        if not has_trial:
            raise ReportRequestError("trial", TRIAL_REQUIRED)
        return ReportScope(kind=kind, trial=trial_for(user, pk_of(trial)))
    if not (has_trial or has_profile):
        raise ReportRequestError("trial", REQUIREMENT_SET_REQUIRED)
    scope: dict = {}
    if kind == Kind.SITE:
        if site in (None, ""):
            raise ReportRequestError("site", SITE_REQUIRED)
        scope["site"] = site_for(user, pk_of(site))
    elif kind == Kind.REGION:
        if region in (None, ""):
            raise ReportRequestError("region", REGION_REQUIRED)
        scope["region"] = _region_for(user, region)
    elif not (user.is_network_coordinator or user.is_superuser):
        # National reports cover a network's whole scope: site members have none.
        raise Http404("No such report scope.")
    if has_trial:
        scope["trial"] = trial_for(user, pk_of(trial))
    else:
        scope["profile"] = _profile_for(profile)
    return ReportScope(kind=kind, **scope)


def report_sites(report: ReadinessReport) -> QuerySet[Site]:
    """The sites a report covers, as its requester may see them (checked again at build time:
    access withdrawn between request and build narrows the report)."""
    user = report.requested_by
    if report.kind == Kind.SITE:
        return visible_sites(user).filter(pk=report.site_id)
    if report.kind == Kind.TRIAL:
        return Site.objects.filter(pk__in=visible_trial_sites(user, report.trial).values("site"))
    if report.kind == Kind.REGION:
        return visible_sites(user).filter(region_id=report.region_id)
    return visible_sites(user)


def report_for(user: User, report_id: int | str) -> ReadinessReport:
    """The report if the user may see it: its requester while they may still see its scope,
    or anyone who may see the whole scope. Otherwise 404."""
    try:
        report = ReadinessReport.objects.select_related(
            "site__region", "region", "trial", "profile", "requested_by"
        ).get(pk=int(report_id))
    except (ReadinessReport.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such report.") from None
    if not (user.is_authenticated and user.is_active) or not _may_see(user, report):
        raise Http404("No such report.")
    return report


def _may_see(user: User, report: ReadinessReport) -> bool:
    national = user.network_scope == User.NetworkScope.NATIONAL or user.is_superuser
    if report.kind == Kind.SITE:
        return visible_sites(user).filter(pk=report.site_id).exists()
    if report.kind == Kind.REGION:
        return scoped_regions(user).filter(pk=report.region_id).exists()
    # Trial and national reports hold the sites their requester could see: only the
    # requester (still in scope) or a national coordinator, who sees every site, may read them.
    if national:
        return True
    if report.requested_by_id != user.pk:
        return False
    if report.kind == Kind.TRIAL:
        try:
            trial_for(user, report.trial_id)
        except Http404:
            return False
        return True
    return user.is_network_coordinator


def reports_of(user: User) -> QuerySet[ReadinessReport]:
    """'My reports': the jobs this user requested, newest first."""
    return ReadinessReport.objects.filter(requested_by=user).select_related(
        "site", "region", "trial", "profile"
    )
