"""Account writes that carry rules: the e-mail address, the name and the password of a user.

Deployments have no self sign-up: operators create accounts with `manage.py add_user`, which
gives the account a role through `sites.memberships.user_upsert` (roles at sites and regions
are memberships, so they are written by the sites app; docs/architecture.md). The demo seed
uses the same function, so both obey the same rules.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User

INVALID_EMAIL = "'{email}' is not a valid e-mail address."
WEAK_PASSWORD = "Password rejected: {reasons}"


def _name_from_email(email: str) -> str:
    """'jane.o-neill@trust.nhs.uk' -> 'Jane O-Neill': a readable default until someone edits it."""
    local = email.split("@", 1)[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part)


def normalised_email(email: str | None) -> str:
    """The address accounts are keyed on (trimmed, lower case), or a ValidationError."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(INVALID_EMAIL.format(email=email), code="invalid_email") from None
    return email


@transaction.atomic
def account_upsert(
    *,
    email: str,
    full_name: str | None = None,
    password: str | None = None,
    network_scope: str | None = None,
    is_guidance_editor: bool | None = None,
) -> tuple[User, bool]:
    """Create the account, or update it; returns (user, created).

    A new account without a password gets an unusable one; an existing account keeps its
    password unless a new one is given. Passwords go through the project's password
    validators. `network_scope` and `is_guidance_editor` are set only when given.
    """
    email = normalised_email(email)
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

    if network_scope is not None:
        user.network_scope = network_scope
    if is_guidance_editor is not None:
        user.is_guidance_editor = is_guidance_editor
    user.save()
    return user, created


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
