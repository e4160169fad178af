"""Expiry digests: one e-mail per user and period listing, site by site, what has expired and
what expires within the readiness window (atmp_portal.expiring), each item a link to its page.

Each member of a site (coordinator or pharmacist) chooses a daily digest, a weekly one (the
default, sent on Mondays) or none (`User.expiry_digest`). One beat entry runs the sweep every
morning. Each e-mail is recorded (ExpiryDigest, unique per user, frequency and period) in the
transaction that sends it: a second run, or a second worker at the same moment, finds the row
(the unique insert waits for the first to commit) and sends nothing; if sending fails the row
rolls back and the next run retries. A user whose sites have nothing expired or expiring gets
no e-mail.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from atmp_portal.expiring import expiring_days, is_expiring
from atmp_portal.links import absolute_url
from sites.models import Site, SiteMembership
from training.expiry import EVIDENCE, ExpiringItem, expiring_items
from training.models import ExpiryDigest

DAILY = User.ExpiryDigest.DAILY
WEEKLY = User.ExpiryDigest.WEEKLY
WEEKLY_ON = 0  # Monday (date.weekday())
SUBJECT = "ATMP readiness: {counts} at {where}"


@dataclass(frozen=True)
class DigestItem:
    item: ExpiringItem
    days_left: int
    url: str

    @property
    def kind_label(self) -> str:
        return "Capability evidence" if self.item.kind == EVIDENCE else "Training"

    @property
    def days_ago(self) -> int:
        return -self.days_left


@dataclass
class SiteDigest:
    site: Site
    url: str
    expired: list[DigestItem] = field(default_factory=list)
    expiring: list[DigestItem] = field(default_factory=list)


def period_start(frequency: str, on: dt.date) -> dt.date:
    """The first day of the period a digest sent on `on` covers: the day, or its ISO week."""
    return on if frequency == DAILY else on - dt.timedelta(days=on.weekday())


def frequencies_due(on: dt.date) -> list[str]:
    return [DAILY, WEEKLY] if on.weekday() == WEEKLY_ON else [DAILY]


def site_digests(site_ids: set[int], on: dt.date) -> dict[int, SiteDigest]:
    """Each of these sites with anything expired or expiring on `on`: two queries plus those of
    expiring_items, whatever the number of sites."""
    sites = {
        site.pk: SiteDigest(site, absolute_url(reverse("reports:site-dashboard", args=[site.pk])))
        for site in Site.objects.filter(pk__in=site_ids)
    }
    for item in expiring_items(site_ids=site_ids, on=on):
        entry = DigestItem(item, item.days_left(on), absolute_url(item.path))
        if entry.days_left < 0:
            sites[item.site_id].expired.append(entry)
        elif is_expiring(item.expires_on, on):
            sites[item.site_id].expiring.append(entry)
    return {pk: d for pk, d in sites.items() if d.expired or d.expiring}


def digest_recipients(frequency: str) -> dict[User, list[int]]:
    """Active members of any site who chose this frequency, with their sites: one query."""
    memberships = (
        SiteMembership.objects.filter(user__is_active=True, user__expiry_digest=frequency)
        .select_related("user")
        .order_by("user_id", "site__name", "site_id")
    )
    by_user: dict[User, list[int]] = defaultdict(list)
    for membership in memberships:
        if membership.site_id not in by_user[membership.user]:
            by_user[membership.user].append(membership.site_id)
    return by_user


def _message(*, user: User, frequency: str, on: dt.date, sites: list[SiteDigest]):
    expired = sum(len(s.expired) for s in sites)
    expiring = sum(len(s.expiring) for s in sites)
    counts = " and ".join(
        part
        for part in (
            f"{expired} expired" if expired else "",
            f"{expiring} expiring within {expiring_days()} days" if expiring else "",
        )
        if part
    )
    where = sites[0].site.name if len(sites) == 1 else f"{len(sites)} sites"
    context = {
        "user": user,
        "frequency": frequency,
        "on": on,
        "sites": sites,
        "expiring_days": expiring_days(),
        "settings_url": absolute_url(reverse("account-reminders")),
    }
    text = render_to_string("training/email/expiry_digest.txt", context)
    html = render_to_string("training/email/expiry_digest.html", context)
    message = EmailMultiAlternatives(
        SUBJECT.format(counts=counts, where=where), text, settings.DEFAULT_FROM_EMAIL, [user.email]
    )
    message.attach_alternative(html, "text/html")
    return message, expired, expiring


def digest_send(*, user: User, frequency: str, on: dt.date, sites: list[SiteDigest]) -> bool:
    """E-mail the user this period's digest unless it went already; True if it was sent now."""
    message, expired, expiring = _message(user=user, frequency=frequency, on=on, sites=sites)
    with transaction.atomic():
        _, created = ExpiryDigest.objects.get_or_create(
            user=user,
            frequency=frequency,
            period_start=period_start(frequency, on),
            defaults={"expired": expired, "expiring": expiring},
        )
        if created:
            message.send(fail_silently=False)
    return created


def expiry_digests_send(*, on: dt.date, frequencies: list[str] | None = None) -> int:
    """The digests due on `on` (daily ones, and on Mondays the weekly ones); how many were sent."""
    sent = 0
    for frequency in frequencies or frequencies_due(on):
        recipients = digest_recipients(frequency)
        digests = site_digests({pk for ids in recipients.values() for pk in ids}, on)
        for user, site_ids in recipients.items():
            sites = [digests[pk] for pk in site_ids if pk in digests]
            if sites:
                sent += digest_send(user=user, frequency=frequency, on=on, sites=sites)
    return sent
