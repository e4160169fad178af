"""Account writes that carry rules: creating or updating a user with one role and its scope.

Deployments have no self sign-up: operators create accounts with `manage.py add_user`, and
the demo seed uses the same function, so both obey the same rules.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from sites.models import NetworkRegion, Region, Site, SiteMembership

ROLE_COORDINATOR = "coordinator"
ROLE_PHARMACIST = "pharmacist"
ROLE_NETWORK = "network"
ROLE_EDITOR = "editor"
ROLES = (ROLE_COORDINATOR, ROLE_PHARMACIST, ROLE_NETWORK, ROLE_EDITOR)
SITE_ROLES = {
    ROLE_COORDINATOR: SiteMembership.Role.COORDINATOR,
    ROLE_PHARMACIST: SiteMembership.Role.PHARMACIST,
}

INVALID_EMAIL = "'{email}' is not a valid e-mail address."
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
WEAK_PASSWORD = "Password rejected: {reasons}"


@dataclass
class UserUpsertResult:
    user: User
    created: bool
    password_set: bool
    scope: list[str] = field(default_factory=list)


def _name_from_email(email: str) -> str:
    """'jane.o-neill@trust.nhs.uk' -> 'Jane O-Neill': a readable default until someone edits it."""
    local = email.split("@", 1)[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part)


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
    the coordinator memberships; only the scope of the role named here is replaced. A new
    account without a password gets an unusable one; an existing account keeps its password
    unless a new one is given. Passwords go through the project's password validators.
    """
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(INVALID_EMAIL.format(email=email), code="invalid_email") from None
    site_codes, region_codes = _normalise_codes(sites), _normalise_codes(regions)
    _check_role_arguments(
        role=role, site_codes=site_codes, region_codes=region_codes, national=national
    )
    site_objects = _resolve_sites(site_codes)
    region_objects = _resolve_regions(region_codes)

    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User(email=email, full_name=full_name or _name_from_email(email))
    elif full_name:
        user.full_name = full_name

    if password is not None:
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise ValidationError(
                WEAK_PASSWORD.format(reasons=" ".join(exc.messages)), code="weak_password"
            ) from None
        user.set_password(password)
    elif created:
        user.set_unusable_password()

    scope: list[str] = []
    if role == ROLE_NETWORK:
        user.network_scope = User.NetworkScope.NATIONAL if national else User.NetworkScope.REGIONS
    if role == ROLE_EDITOR:
        user.is_guidance_editor = True
    user.save()

    if role in SITE_ROLES:
        membership_role = SITE_ROLES[role]
        SiteMembership.objects.filter(user=user, role=membership_role).exclude(
            site__in=site_objects
        ).delete()
        for site in site_objects:
            SiteMembership.objects.get_or_create(user=user, site=site, role=membership_role)
        scope = [site.ods_code for site in site_objects]
    elif role == ROLE_NETWORK:
        NetworkRegion.objects.filter(user=user).exclude(region__in=region_objects).delete()
        for region in region_objects:
            NetworkRegion.objects.get_or_create(user=user, region=region)
        scope = ["national"] if national else [region.code for region in region_objects]
    return UserUpsertResult(user=user, created=created, password_set=password is not None, scope=scope)


# --- API tokens ---------------------------------------------------------------------------

SIGN_IN_TOKEN_NAME = "API sign-in"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown to the user once; only its digest is stored


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str, days: int | None = None, read_only: bool = False
) -> IssuedToken:
    """A new token for `user`, valid for `days` (settings.API_TOKEN_DAYS by default)."""
    days = days or settings.API_TOKEN_DAYS
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        digest=token_digest(key),
        prefix=key[: ApiToken.KEY_PREFIX_LENGTH],
        read_only=read_only,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return IssuedToken(token=token, key=key)


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_tokens_revoke_all(*, user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
