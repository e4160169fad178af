"""Celery tasks of the training app (the beat schedule is in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from training import reminders


@shared_task(name="training.tasks.send_expiry_reminders", acks_late=True, time_limit=600)
def send_expiry_reminders(on: str | None = None) -> int:
    """Daily digest of expiring evidence and training; safe to run twice (see reminders.py)."""
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    return reminders.send_expiry_reminders(on=day)
