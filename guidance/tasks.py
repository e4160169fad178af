"""Celery tasks of the guidance app (the beat schedule is in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from guidance import notices
from guidance.models import GuidanceVersion


@shared_task(name="guidance.tasks.send_reread_notices", acks_late=True, time_limit=600)
def send_reread_notices(version_id: int) -> int:
    """After a publication: tell earlier readers once (safe to run twice, see notices.py)."""
    version = GuidanceVersion.objects.filter(pk=version_id).first()
    return notices.reread_notices_send(version=version) if version else 0


@shared_task(name="guidance.tasks.send_review_reminders", acks_late=True, time_limit=600)
def send_review_reminders(on: str | None = None) -> int:
    """Monthly: documents past or near their review date, to every editor, once a month."""
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    return notices.review_reminders_send(on=day)


@shared_task(name="guidance.tasks.sweep_reread_notices", acks_late=True, time_limit=600)
def sweep_reread_notices() -> int:
    """Hourly: re-read notices a lost message left unsent (each still goes once only)."""
    return notices.reread_notices_sweep(now=timezone.now())
