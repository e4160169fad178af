from django.apps import AppConfig


class ReportsConfig(AppConfig):
    # No tasks import here: it would load WeasyPrint in every process and command.
    # reports.broker.build_task loads the tasks modules before the first send instead.
    name = "reports"
