"""Sign-in settings as operators set them: SSO, password sign-in, MFA roles (production mode)."""

from __future__ import annotations

import pytest

from tests.test_security import run_manage

ENTRA = {
    "OIDC_ISSUER": "https://login.microsoftonline.com/aaaaaaaa-1111-2222-3333-444444444444/v2.0",
    "OIDC_CLIENT_ID": "portal-client-id",
    "OIDC_CLIENT_SECRET": "portal-client-secret",
}


def setting(expression: str, **env: str) -> str:
    result = run_manage(
        "shell", "-c", f"from django.conf import settings; print({expression})", **env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_requires_mfa_for_network_editors_and_admins_by_default():
    assert setting("','.join(settings.MFA_REQUIRED_ROLES)") == "network,editor,admin"


def test_make_run_leaves_mfa_off_so_the_demo_users_sign_in_with_a_password():
    assert setting("settings.MFA_REQUIRED_ROLES", DEBUG="true") == "[]"


def test_an_operator_may_set_the_roles():
    assert setting("settings.MFA_REQUIRED_ROLES", MFA_REQUIRED_ROLES="coordinator,network") == (
        "['coordinator', 'network']"
    )


def test_it_stops_in_one_line_on_an_unknown_mfa_role():
    result = run_manage("check", MFA_REQUIRED_ROLES="network,superhero")
    assert result.returncode != 0
    assert "MFA_REQUIRED_ROLES" in result.stderr and "superhero" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_sso_settings_configure_the_provider_and_let_forms_go_to_it():
    apps = setting(
        "settings.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'][0]['settings']['server_url']",
        **ENTRA,
    )
    assert apps == ENTRA["OIDC_ISSUER"]
    form_action = setting("settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']", **ENTRA)
    assert "https://login.microsoftonline.com" in form_action


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OIDC_ISSUER": ENTRA["OIDC_ISSUER"]}, "OIDC_CLIENT_ID"),
        ({"PASSWORD_LOGIN": "false"}, "OIDC_ISSUER"),
    ],
)
def test_it_stops_in_one_line_on_incomplete_sign_in_settings(env, named):
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert named in result.stderr and "Traceback" not in result.stderr


def test_it_passes_check_deploy_with_sso_and_password_sign_in_off():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", PASSWORD_LOGIN="false", **ENTRA
    )
    assert result.returncode == 0, result.stderr + result.stdout
