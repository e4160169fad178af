"""Sign-in pages under /accounts/: ours, and the parts of django-allauth the portal uses.

Only these allauth views are exposed: no sign-up, e-mail management or account linking
(accounts are provisioned by administrators, and SSO links itself on first sign-in).
"""

from allauth.account import views as allauth_views
from allauth.socialaccount import views as social_views
from allauth.socialaccount.providers.openid_connect import urls as oidc_urls
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views

login = views.LoginView.as_view()
logout = auth_views.LogoutView.as_view()

urlpatterns = [
    path("login/", login, name="login"),
    path("login/", login, name="account_login"),
    path("logout/", logout, name="logout"),
    path("logout/", logout, name="account_logout"),
    path("inactive/", allauth_views.account_inactive, name="account_inactive"),
    path("reauthenticate/", allauth_views.reauthenticate, name="account_reauthenticate"),
    path("2fa/", include("allauth.mfa.urls")),
    path("sso/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("sso/error/", social_views.login_error, name="socialaccount_login_error"),
    path("sso/signup/", social_views.signup, name="socialaccount_signup"),
    path("", include(oidc_urls)),
    path("tokens/", views.api_tokens, name="api-tokens"),
    path("reminders/", views.expiry_reminders, name="account-reminders"),
    path("tokens/<int:token_id>/revoke/", views.api_token_revoke_view, name="api-token-revoke"),
]
if settings.PASSWORD_LOGIN:
    urlpatterns += [
        path("password/change/", allauth_views.password_change, name="account_change_password"),
        path("password/set/", allauth_views.password_set, name="account_set_password"),
    ]
