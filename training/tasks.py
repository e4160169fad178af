"""Celery tasks of the training app (the beat schedule is in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import datetime as dt
import logging
import re

from celery import shared_task
from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from training import reminders

logger = logging.getLogger(__name__)

# Where training/views.py keeps an uploaded CSV between its preview and "Import": a random
# hex token per file. A preview nobody applies (the user left, or the session ended) stays
# there until this sweep removes it.
IMPORT_PREVIEW_DIR = "imports"
IMPORT_PREVIEW_NAME = re.compile(r"^[0-9a-f]{32}\.csv$")
# Far longer than a session lasts (30 minutes idle): nobody can still apply such a file.
IMPORT_PREVIEW_MAX_AGE = dt.timedelta(hours=24)


@shared_task(name="training.tasks.send_expiry_digests", acks_late=True, time_limit=600)
def send_expiry_digests(on: str | None = None) -> int:
    """Every morning: the daily expiry digests, and on Mondays the weekly ones; safe to run
    twice (see reminders.py)."""
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    return reminders.expiry_digests_send(on=day)


def import_previews_purge(
    *,
    storage: Storage = default_storage,
    now: dt.datetime | None = None,
    max_age: dt.timedelta = IMPORT_PREVIEW_MAX_AGE,
) -> int:
    """Delete stashed import previews last written more than `max_age` ago; return how many.

    Only names the importer writes are touched, so nothing else under imports/ is lost.
    """
    cutoff = (now or timezone.now()) - max_age
    try:
        _, names = storage.listdir(IMPORT_PREVIEW_DIR)
    except FileNotFoundError:
        return 0  # no import has been previewed on this server yet
    deleted = 0
    for name in names:
        if not IMPORT_PREVIEW_NAME.match(name):
            continue
        path = f"{IMPORT_PREVIEW_DIR}/{name}"
        try:
            stale = storage.get_modified_time(path) < cutoff
        except FileNotFoundError:
            continue  # applied (and so deleted) while we were looking
        if stale:
            storage.delete(path)
            deleted += 1
    if deleted:
        logger.info("Deleted %s abandoned training import preview(s)", deleted)
    return deleted


@shared_task(name="training.tasks.purge_import_previews", acks_late=True, time_limit=300)
def purge_import_previews() -> int:
    """Hourly: remove CSV import previews abandoned for more than a day."""
    return import_previews_purge()
