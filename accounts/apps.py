from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # Connects the failed sign-in counter, token revocation, the OpenAPI token scheme and
        # the session's save time at sign-in.
        from accounts import schema, sessions, signals, signin_limits  # noqa: F401
