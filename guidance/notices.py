"""Reaching readers: re-read e-mails when a version is published, monthly review reminders.

A re-read notice goes to every active pharmacist of any site who acknowledged an earlier version
of the document: exactly once per reader and version. Each is recorded (RereadNotice, unique per
reader and version) in the same transaction that sends it, so a second run, or a second worker
at the same moment, finds the record (the unique insert waits for the first to commit) and sends
nothing; if sending fails the record rolls back and the next run retries. The monthly review
reminder to editors works the same way with ReviewReminder (unique per editor and month).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from atmp_portal.links import absolute_url
from guidance import selectors
from guidance.models import (
    Acknowledgement,
    GuidanceVersion,
    RereadNotice,
    ReviewReminder,
)
from sites.models import SiteMembership

logger = logging.getLogger(__name__)

REREAD_SUBJECT = "Guidance updated: read version {number} of “{title}”"
REVIEW_SUBJECT = "Guidance due for review: {count} document{s}"


def _send(*, subject: str, template: str, context: dict, to: str) -> None:
    text = render_to_string(f"guidance/email/{template}.txt", context)
    html = render_to_string(f"guidance/email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)


def reread_recipients(version: GuidanceVersion) -> list[User]:
    """Active pharmacists (of any site) who acknowledged an earlier version of this document."""
    earlier = Acknowledgement.objects.filter(
        version__document_id=version.document_id, version__number__lt=version.number
    ).values("user_id")
    return list(
        User.objects.filter(
            pk__in=earlier,
            is_active=True,
            site_memberships__role=SiteMembership.Role.PHARMACIST,
        )
        .exclude(acknowledgements__version=version)
        .distinct()
        .order_by("pk")
    )


def reread_notices_send(*, version: GuidanceVersion) -> int:
    """E-mail each reader who must re-read this version and has not been told; return how many."""
    version = GuidanceVersion.objects.select_related("document").get(pk=version.pk)
    if not version.is_current or version.document.is_retired or not version.needs_reread:
        # Superseded again, or retired, before the notices went out; or the editor said this
        # version needs no re-read.
        return 0
    context = {
        "version": version,
        "url": absolute_url(reverse("guidance:detail", args=[version.document.slug])),
    }
    subject = REREAD_SUBJECT.format(number=version.number, title=version.title)
    sent = 0
    for user in reread_recipients(version):
        with transaction.atomic():
            _, created = RereadNotice.objects.get_or_create(user=user, version=version)
            if not created:
                continue
            _send(
                subject=subject,
                template="reread",
                context={**context, "reader": user},
                to=user.email,
            )
            sent += 1
    return sent


# A version published longer ago than this is not swept again (its readers were told, or have
# read it since; the sweep is for a message the broker lost).
SWEEP_DAYS = 30


def reread_notices_sweep(*, now: dt.datetime) -> int:
    """Send any re-read notice still owed for versions published in the last SWEEP_DAYS."""
    recent = GuidanceVersion.objects.filter(
        status=GuidanceVersion.Status.PUBLISHED,
        number__gt=1,
        needs_reread=True,
        published_at__gte=now - dt.timedelta(days=SWEEP_DAYS),
    ).order_by("pk")
    return sum(reread_notices_send(version=version) for version in recent)


def review_reminders_send(*, on: dt.date) -> int:
    """This month's reminder to each active editor, if any document is past or near review."""
    due = [
        row for row in selectors.editor_documents(today=on) if row.review in selectors.REVIEW_DUE
    ]
    if not due:
        return 0
    month = on.replace(day=1)
    context = {"due": due, "on": on, "url": absolute_url(reverse("guidance:editor_list"))}
    subject = REVIEW_SUBJECT.format(count=len(due), s="" if len(due) == 1 else "s")
    sent = 0
    for editor in User.objects.filter(is_guidance_editor=True, is_active=True).order_by("pk"):
        with transaction.atomic():
            _, created = ReviewReminder.objects.get_or_create(
                user=editor, month=month, defaults={"documents": len(due)}
            )
            if not created:
                continue
            _send(
                subject=subject,
                template="review_reminder",
                context={**context, "editor": editor},
                to=editor.email,
            )
            sent += 1
    return sent
