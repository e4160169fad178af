from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # Connects the failed sign-in counter, token revocation and the OpenAPI token scheme.
        from accounts import schema, signals, signin_limits  # noqa: F401
