"""Membership writes: giving a user one role with its scope (sites, regions or national).

A coordinator's or pharmacist's role is a SiteMembership, a network coordinator's regions are
NetworkRegion rows, so these writes belong to the sites app; the account itself (address,
name, password) is written by `accounts.services.account_upsert`. `manage.py add_user` and the
demo seed both call `user_upsert`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import INVALID_EMAIL, WEAK_PASSWORD, account_upsert, normalised_email
from sites.models import NetworkRegion, Region, Site, SiteMembership

__all__ = ["INVALID_EMAIL", "WEAK_PASSWORD", "UserUpsertResult", "user_upsert"]

ROLE_COORDINATOR = "coordinator"
ROLE_PHARMACIST = "pharmacist"
ROLE_NETWORK = "network"
ROLE_EDITOR = "editor"
ROLES = (ROLE_COORDINATOR, ROLE_PHARMACIST, ROLE_NETWORK, ROLE_EDITOR)
SITE_ROLES = {
    ROLE_COORDINATOR: SiteMembership.Role.COORDINATOR,
    ROLE_PHARMACIST: SiteMembership.Role.PHARMACIST,
}

UNKNOWN_ROLE = "Unknown role '{role}': choose one of coordinator, pharmacist, network, editor."
SITE_REQUIRED = "A {role} needs at least one site: give --site ODS (for example --site RTD)."
UNKNOWN_SITES = "No site with organisation code {codes}."
SITES_NOT_ALLOWED = "--site applies only to coordinators and pharmacists, not to a {role}."
REGION_OR_NATIONAL_REQUIRED = (
    "A network coordinator needs --region CODE (for example --region NENC) or --national."
)
REGION_AND_NATIONAL = "Give either --region or --national, not both."
UNKNOWN_REGIONS = "No region with code {codes}. Known regions: {known}."
REGIONS_NOT_ALLOWED = "--region and --national apply only to network coordinators, not to a {role}."


@dataclass
class UserUpsertResult:
    user: User
    created: bool
    password_set: bool
    scope: list[str] = field(default_factory=list)


def _normalise_codes(codes: Iterable[str] | None) -> list[str]:
    return sorted({code.strip().upper() for code in (codes or []) if code and code.strip()})


def _resolve_sites(codes: list[str]) -> list[Site]:
    sites = {site.ods_code.upper(): site for site in Site.objects.filter(ods_code__in=codes)}
    missing = [code for code in codes if code not in sites]
    if missing:
        raise ValidationError(UNKNOWN_SITES.format(codes=", ".join(missing)), code="unknown_site")
    return [sites[code] for code in codes]


def _resolve_regions(codes: list[str]) -> list[Region]:
    regions = {region.code.upper(): region for region in Region.objects.all()}
    missing = [code for code in codes if code not in regions]
    if missing:
        raise ValidationError(
            UNKNOWN_REGIONS.format(codes=", ".join(missing), known=", ".join(sorted(regions))),
            code="unknown_region",
        )
    return [regions[code] for code in codes]


def _check_role_arguments(
    *, role: str, site_codes: list[str], region_codes: list[str], national: bool
) -> None:
    if role not in ROLES:
        raise ValidationError(UNKNOWN_ROLE.format(role=role), code="unknown_role")
    if role in SITE_ROLES:
        if not site_codes:
            raise ValidationError(SITE_REQUIRED.format(role=role), code="site_required")
    elif site_codes:
        raise ValidationError(SITES_NOT_ALLOWED.format(role=role), code="sites_not_allowed")
    if role == ROLE_NETWORK:
        if region_codes and national:
            raise ValidationError(REGION_AND_NATIONAL, code="region_and_national")
        if not region_codes and not national:
            raise ValidationError(REGION_OR_NATIONAL_REQUIRED, code="region_required")
    elif region_codes or national:
        raise ValidationError(REGIONS_NOT_ALLOWED.format(role=role), code="regions_not_allowed")


def _replace_site_scope(user: User, role: str, sites: list[Site]) -> list[str]:
    membership_role = SITE_ROLES[role]
    SiteMembership.objects.filter(user=user, role=membership_role).exclude(site__in=sites).delete()
    for site in sites:
        SiteMembership.objects.get_or_create(user=user, site=site, role=membership_role)
    return [site.ods_code for site in sites]


def _replace_region_scope(user: User, regions: list[Region], national: bool) -> list[str]:
    NetworkRegion.objects.filter(user=user).exclude(region__in=regions).delete()
    for region in regions:
        NetworkRegion.objects.get_or_create(user=user, region=region)
    return ["national"] if national else [region.code for region in regions]


@transaction.atomic
def user_upsert(
    *,
    email: str,
    role: str,
    sites: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    national: bool = False,
    full_name: str | None = None,
    password: str | None = None,
) -> UserUpsertResult:
    """Create the account, or update it, so that it holds `role` with exactly the given scope.

    Roles add up: running this for a pharmacist who is already a coordinator elsewhere keeps
    the coordinator memberships; only the scope of the role named here is replaced. Password
    rules are those of `accounts.services.account_upsert`.
    """
    email = normalised_email(email)
    site_codes, region_codes = _normalise_codes(sites), _normalise_codes(regions)
    _check_role_arguments(
        role=role, site_codes=site_codes, region_codes=region_codes, national=national
    )
    site_objects = _resolve_sites(site_codes)
    region_objects = _resolve_regions(region_codes)

    network_scope = None
    if role == ROLE_NETWORK:
        network_scope = User.NetworkScope.NATIONAL if national else User.NetworkScope.REGIONS
    user, created = account_upsert(
        email=email,
        full_name=full_name,
        password=password,
        network_scope=network_scope,
        is_guidance_editor=True if role == ROLE_EDITOR else None,
    )

    scope: list[str] = []
    if role in SITE_ROLES:
        scope = _replace_site_scope(user, role, site_objects)
    elif role == ROLE_NETWORK:
        scope = _replace_region_scope(user, region_objects, national)
    return UserUpsertResult(
        user=user, created=created, password_set=password is not None, scope=scope
    )
