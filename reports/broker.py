"""The one place that hands a report job to the broker: the messenger of the job outbox.

The task is named, not imported: the task calls the job lifecycle (reports.jobs), so the
lifecycle must not import the task back. Celery's registry finds it by name (autodiscovery
registers it), which keeps eager mode (tests) and the real worker on the same path.
"""

from __future__ import annotations

import logging

from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from atmp_portal.celery import app

logger = logging.getLogger(__name__)

BUILD_REPORT = "reports.tasks.build_report"
BROKER_UNAVAILABLE = (
    "The report could not be queued because the job queue is unavailable. "
    "Nothing was started; please try again in a few minutes."
)
BROKER_ERRORS = (
    KombuOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


class BrokerUnavailable(RuntimeError):
    """The job queue could not be reached: nothing was sent."""

    def __init__(self, message: str = BROKER_UNAVAILABLE) -> None:
        super().__init__(message)
        self.message = message


def build_task():
    """The build task, by name. A web process has not imported the app's tasks modules (only a
    worker does, at start): load them through Celery's autodiscovery the first time."""
    if BUILD_REPORT not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[BUILD_REPORT]


def send_build(report_id: int) -> str:
    """Send one build message for a job; its task id. Raises BrokerUnavailable."""
    try:
        result = build_task().apply_async(
            args=[report_id],
            # One try within BROKER_TIMEOUT_SECONDS: a user is waiting, and each retry would
            # add a whole timeout against a hung Redis (measured: 3 timeouts with one retry).
            # A connection broken by a Redis restart is re-opened by the client itself; a
            # message that is lost anyway is resent by the outbox sweep.
            retry=True,
            retry_policy={"max_retries": 0},
        )
    except BROKER_ERRORS as exc:
        logger.warning("Report %s not sent, broker unavailable: %s", report_id, exc)
        raise BrokerUnavailable() from exc
    return getattr(result, "id", None) or ""
