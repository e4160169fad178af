from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import home as home_selectors
from accounts.forms import EmailLoginForm

LOCKOUT_MESSAGE = (
    "This account is locked for {minutes} minutes after {attempts} failed sign-in attempts. "
    "Try again later or ask your portal administrator to unlock it."
)


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    redirect_authenticated_user = True


def lockout(request: HttpRequest, credentials: dict | None = None, *args, **kwargs) -> HttpResponse:
    """Shown by django-axes instead of the login result once an account is locked."""
    message = LOCKOUT_MESSAGE.format(
        minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        attempts=settings.AXES_FAILURE_LIMIT,
    )
    form = EmailLoginForm(request, data=request.POST or None)
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": message},
        status=429,
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html", home_selectors.home_for(request.user))
