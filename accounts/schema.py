"""OpenAPI (drf-spectacular) description of the API token authentication."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <key>`: a key from POST /api/v1/auth/token/ or the API tokens page "
                "(/accounts/tokens/). Keys expire (`expires_at`) and can be revoked; a read-only "
                "key gets 403 on any write."
            ),
        }
