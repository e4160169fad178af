from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        # Register the report tasks in every process, not only in workers: reports.broker
        # sends build_report by name from the web process, and Celery's lazy autodiscovery
        # only imports tasks modules when a worker starts (a fresh web process answered
        # POST /api/v1/reports/ with 500 NotRegistered; found by tests/api/test_schema_fuzz.py).
        from reports import tasks  # noqa: F401
