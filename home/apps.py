from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The signed-in home page; a top app that gathers every app's data."""

    name = "home"
