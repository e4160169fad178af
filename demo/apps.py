from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and `manage.py seed_demo`; a top app that may import every app."""

    name = "demo"
