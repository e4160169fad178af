import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atmp_portal.settings")

app = Celery("atmp_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _say_if_the_database_is_down(**_kwargs) -> None:
    """One clear log line at worker start when the database cannot be reached (the worker
    keeps running: jobs are retried, and the outbox sweep resends them once it is back)."""
    from atmp_portal.health import log_database_problem

    log_database_problem("worker")
