"""Fixtures for sign-in tests: the OpenID Connect test provider (tests/accounts/oidc.py)."""

from tests.accounts.oidc import oidc_issuer, sso  # noqa: F401 (pytest fixtures)
