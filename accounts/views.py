from __future__ import annotations

from allauth.account.views import LoginView as AllauthLoginView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ApiTokenForm, EmailLoginForm, ExpiryDigestForm
from accounts.models import ApiToken

LOCKOUT_MESSAGE = (
    "This account is locked for {minutes} minutes after {attempts} failed sign-in attempts. "
    "Try again later or ask your portal administrator to unlock it."
)
PASSWORD_SIGN_IN_OFF = "Password sign-in is switched off: use single sign-on."
ADDRESS_LOCKOUT_MESSAGE = (
    "Too many failed sign-ins came from your network address. Try again in {minutes} minutes "
    "or ask your portal administrator."
)


class LoginView(AllauthLoginView):
    """allauth's sign-in (password, SSO button, then the second factor if the user has one)."""

    template_name = "account/login.html"

    def post(self, request, *args, **kwargs):
        # allauth's SOCIALACCOUNT_ONLY would do this, but it cannot be combined with allauth.mfa.
        if not settings.PASSWORD_LOGIN:
            raise PermissionDenied(PASSWORD_SIGN_IN_OFF)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "password_login": settings.PASSWORD_LOGIN}


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The account django-axes counts failures against: the e-mail address, lower-cased.

    Sign-in accepts any case (User.objects.get_by_natural_key), so counting "A@x" and "a@x"
    apart would give an attacker five guesses per spelling.
    """
    if credentials:
        username = credentials.get("username") or credentials.get("email")
    else:
        username = request.POST.get("username") or request.POST.get("login")
    return username.strip().lower() if isinstance(username, str) else None


def lockout(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """Shown by django-axes instead of the login result once an account (or address) is locked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if getattr(request, "signin_blocked_address", False):
        message = ADDRESS_LOCKOUT_MESSAGE.format(minutes=minutes)
    else:
        message = LOCKOUT_MESSAGE.format(minutes=minutes, attempts=settings.AXES_FAILURE_LIMIT)
    if request.path.startswith("/api/"):
        # API clients (the token endpoint) get the reason as JSON, not the sign-in page.
        response = JsonResponse({"detail": message}, status=429)
    else:
        # Unbound: validating the posted form again would be one more (counted) attempt.
        form = EmailLoginForm(request=request, initial={"username": lockout_username(request)})
        context = {"form": form, "lockout_message": message, "password_login": True}
        response = render(request, "account/login.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


_NEW_TOKEN_KEY = "new_api_token"


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens: create one (its key shown once), see when each was used."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = services.api_token_create(user=request.user, **form.cleaned_data)
        # Shown once, on the page the redirect leads to; never stored in clear.
        request.session[_NEW_TOKEN_KEY] = {"id": issued.token.pk, "key": issued.key}
        return redirect("api-tokens")
    new_token = request.session.pop(_NEW_TOKEN_KEY, None)
    tokens = ApiToken.objects.filter(user=request.user)[:100]
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(token=token)
    messages.success(request, f"Token '{token.name}' revoked: it no longer works.")
    return redirect("api-tokens")


@login_required
def expiry_reminders(request: HttpRequest) -> HttpResponse:
    """The user's choice of expiry reminder e-mails: daily, weekly or none."""
    form = ExpiryDigestForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save(commit=False).save(update_fields=["expiry_digest"])
        messages.success(request, f"Expiry reminders: {request.user.get_expiry_digest_display()}")
        return redirect("account-reminders")
    return render(
        request,
        "accounts/expiry_reminders.html",
        {"form": form, "has_sites": request.user.site_memberships.exists()},
        status=400 if form.errors else 200,
    )
