"""Which users must use MFA (settings.MFA_REQUIRED_ROLES), and keeping them to its set-up.

A signed-in user who must have MFA and has no authenticator reaches only the MFA set-up pages
and sign-out: every other page redirects to set-up, and the API (session or token) answers
403 saying why. Sign-in itself asks for the second factor of anyone who has one (allauth).
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from accounts.models import User

MFA_SETUP_PROMPT = (
    "Your role needs two-factor authentication. Set up an authenticator app or a security key "
    "to continue."
)
MFA_SETUP_REQUIRED = (
    "Your role needs two-factor authentication. Set it up at /accounts/2fa/ before using "
    "the portal or its API."
)
# Paths a user who must set up MFA may still reach: the set-up pages, re-authentication
# (allauth asks for it before adding a factor), sign-out, and static files.
_SETUP_PATHS = ("/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/logout/", "/static/")


def roles_of(user: User) -> set[str]:
    roles: set[str] = set()
    if user.network_scope:
        roles.add("network")
    if user.is_guidance_editor:
        roles.add("editor")
    if user.is_staff or user.is_superuser:
        roles.add("admin")
    # Site roles are memberships of a site; read them only if a setting asks for them.
    if {"coordinator", "pharmacist"} & set(settings.MFA_REQUIRED_ROLES):
        roles.update(user.site_memberships.values_list("role", flat=True))
    return roles


def mfa_required(user: User) -> bool:
    required = set(settings.MFA_REQUIRED_ROLES)
    return bool(required) and bool(required & roles_of(user))


def has_mfa(user: User) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def needs_mfa_setup(user: User) -> bool:
    return user.is_authenticated and mfa_required(user) and not has_mfa(user)


def setup_refused_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": MFA_SETUP_REQUIRED}, status=403)
    messages.warning(request, MFA_SETUP_PROMPT)
    return redirect("mfa_index")


class MfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_SETUP_PATHS) and needs_mfa_setup(request.user):
            return setup_refused_response(request)
        return self.get_response(request)
