from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.forms import EmailLoginForm

LOCKOUT_MESSAGE = (
    "This account is locked for {minutes} minutes after {attempts} failed sign-in attempts. "
    "Try again later or ask your portal administrator to unlock it."
)


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    redirect_authenticated_user = True


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The account django-axes counts failures against: the e-mail address, lower-cased.

    Sign-in accepts any case (User.objects.get_by_natural_key), so counting "A@x" and "a@x"
    apart would give an attacker five guesses per spelling.
    """
    if credentials:
        username = credentials.get("username") or credentials.get("email")
    else:
        username = request.POST.get("username")
    return username.strip().lower() if isinstance(username, str) else None


def lockout(request: HttpRequest, credentials: dict | None = None, *args, **kwargs) -> HttpResponse:
    """Shown by django-axes instead of the login result once an account is locked."""
    message = LOCKOUT_MESSAGE.format(
        minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        attempts=settings.AXES_FAILURE_LIMIT,
    )
    if request.path.startswith("/api/"):
        # API clients (the token endpoint) get the reason as JSON, not the sign-in page.
        return JsonResponse({"detail": message}, status=429)
    form = EmailLoginForm(request, data=request.POST or None)
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": message},
        status=429,
    )

