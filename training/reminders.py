"""Daily expiry digest: one e-mail per site coordinator listing what expires soon or has expired.

Each item is reminded once per threshold (90, 60, 30, 7 days, expired), recorded in
ReminderSent. A site's row is locked (SELECT ... FOR UPDATE) while its digest is built, sent
and recorded, so two schedulers running at once cannot both send: the second waits, then
finds everything recorded. If sending fails the transaction rolls back and the next run retries.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from sites.models import Site, SiteMembership
from training.expiry import EVIDENCE, ExpiringItem, expiring_items
from training.models import ReminderSent

logger = logging.getLogger(__name__)

THRESHOLDS = (7, 30, 60, 90)  # smallest first: an item is due at the tightest one it has reached
SUBJECT = "ATMP readiness: {count} item{s} expiring at {site}"


@dataclass(frozen=True)
class DueReminder:
    item: ExpiringItem
    threshold: int
    days_left: int

    @property
    def kind_label(self) -> str:
        return "Evidence" if self.item.kind == EVIDENCE else "Training"


def threshold_for(days_left: int) -> int | None:
    if days_left < 0:
        return ReminderSent.Threshold.EXPIRED
    for threshold in THRESHOLDS:
        if days_left <= threshold:
            return threshold
    return None


def due_reminders(site: Site, on: dt.date) -> list[DueReminder]:
    """Items at a threshold not yet reminded about. Two queries plus those of expiring_items."""
    candidates = []
    for item in expiring_items(site_ids=[site.pk], on=on, within_days=max(THRESHOLDS)):
        threshold = threshold_for(item.days_left(on))
        if threshold is not None:
            candidates.append(DueReminder(item, threshold, item.days_left(on)))
    sent = set(
        ReminderSent.objects.filter(
            site=site, item_key__in=[c.item.key for c in candidates]
        ).values_list("item_key", "threshold")
    )
    return [c for c in candidates if (c.item.key, c.threshold) not in sent]


def _digest(site: Site, due: list[DueReminder], on: dt.date) -> tuple[str, str]:
    subject = SUBJECT.format(count=len(due), s="" if len(due) == 1 else "s", site=site.name)
    body = render_to_string("training/email/expiry_digest.txt", {
        "site": site,
        "on": on,
        "expired": [d for d in due if d.threshold == ReminderSent.Threshold.EXPIRED],
        "soon": sorted(
            (d for d in due if d.threshold != ReminderSent.Threshold.EXPIRED),
            key=lambda d: d.days_left,
        ),
        "dashboard_url": settings.PORTAL_BASE_URL.rstrip("/")
        + reverse("reports:site-dashboard", args=[site.pk]),
    })
    return subject, body


def site_send_reminders(*, site: Site, on: dt.date) -> int:
    """Send this site's digest if anything is due; returns the number of e-mails sent."""
    with transaction.atomic():
        Site.objects.select_for_update().filter(pk=site.pk).first()
        due = due_reminders(site, on)
        if not due:
            return 0
        recipients = list(
            SiteMembership.objects.filter(
                site=site, role=SiteMembership.Role.COORDINATOR, user__is_active=True
            ).values_list("user__email", flat=True).distinct()
        )
        if not recipients:
            logger.warning("Expiry reminders due at %s but it has no coordinator.", site)
            return 0
        subject, body = _digest(site, due, on)
        # Recorded before sending inside the same transaction: if sending fails, nothing stays.
        ReminderSent.objects.bulk_create(
            ReminderSent(site=site, item_key=d.item.key, threshold=d.threshold, sent_on=on,
                         recipients=len(recipients))
            for d in due
        )
        sent = send_mass_mail(
            [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in recipients],
            fail_silently=False,
        )
    return sent


def send_expiry_reminders(*, on: dt.date) -> int:
    """Every site's digest; returns the number of e-mails sent."""
    total = 0
    for site in Site.objects.order_by("pk"):
        total += site_send_reminders(site=site, on=on)
    return total
