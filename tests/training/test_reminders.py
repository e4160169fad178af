"""Expiry digests: HTML and text, absolute links to each item's page, grouped per site into
expired and expiring, each user's daily / weekly / no choice, and exactly once per period."""

from __future__ import annotations

import datetime as dt
import re
import threading
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sites.models import Capability, SiteMembership
from tests.sites.factories import CapabilityFactory, MembershipFactory, SiteCapabilityFactory
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from training import reminders
from training.models import ExpiryDigest
from training.tasks import send_expiry_digests

MONDAY = dt.date(2026, 1, 5)
TUESDAY = MONDAY + dt.timedelta(days=1)
BASE = "https://portal.example.nhs.uk"


@pytest.fixture
def items(personas):
    """At site A: evidence expired 3 days before MONDAY, training expiring 20 days after it and
    evidence 200 days away (outside the 90-day window). At site B: evidence expiring in 10."""
    expired = SiteCapabilityFactory(
        site=personas.site_a,
        evidence_expires_on=MONDAY - dt.timedelta(days=3),
        capability=CapabilityFactory(name="LN2 dewar", category=Capability.Category.STORAGE),
    )
    staff = StaffMemberFactory(site=personas.site_a, full_name="Ann Nurse")
    TrainingRecordFactory(
        staff=staff,
        course=CourseFactory(title="GCP", renewal_months=None),
        completed_on=dt.date(2025, 1, 1),
        expiry_override=MONDAY + dt.timedelta(days=20),
    )
    SiteCapabilityFactory(
        site=personas.site_a,
        evidence_expires_on=MONDAY + dt.timedelta(days=200),
        capability=CapabilityFactory(name="Far-off freezer"),
    )
    SiteCapabilityFactory(
        site=personas.site_b,
        evidence_expires_on=MONDAY + dt.timedelta(days=10),
        capability=CapabilityFactory(name="Beta cold room"),
    )
    return expired, staff


def sent_to(outbox) -> dict[str, mail.EmailMultiAlternatives]:
    return {message.to[0]: message for message in outbox}


@override_settings(PORTAL_BASE_URL=BASE + "/")
def test_the_digest_is_html_and_text_with_an_absolute_link_to_each_items_page(personas, items):
    expired, staff = items
    assert reminders.expiry_digests_send(on=MONDAY) == 3  # coordinator and pharmacist of A, B
    message = sent_to(mail.outbox)[personas.coordinator_a.email]
    assert message.subject == (
        "ATMP readiness: 1 expired and 1 expiring within 90 days at Alpha Hospital"
    )
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    evidence_url = BASE + reverse(
        "reports:capability", args=[personas.site_a.pk, expired.capability_id]
    )
    training_url = BASE + reverse("training:staff-detail", args=[personas.site_a.pk, staff.pk])
    assert f'<a href="{evidence_url}"' in html and f'<a href="{training_url}"' in html
    assert evidence_url in message.body and training_url in message.body
    assert "<" not in message.body  # the text part is text
    # Each link opens the page of its item.
    client = personas.client_for(personas.coordinator_a)
    for url, text in ((evidence_url, "LN2 dewar"), (training_url, "Ann Nurse")):
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200 and text in response.content.decode()


def test_items_are_grouped_per_site_into_expired_and_expiring_within_the_window(personas, items):
    MembershipFactory(
        site=personas.site_b, user=personas.coordinator_a, role=SiteMembership.Role.COORDINATOR
    )
    reminders.expiry_digests_send(on=MONDAY)
    message = sent_to(mail.outbox)[personas.coordinator_a.email]
    assert message.subject.endswith("at 2 sites")
    text = message.body
    order = [
        "Alpha Hospital (RAA)",
        "Expired",
        "LN2 dewar, expired on 2 January 2026 (3 days ago)",
        "Expiring within 90 days",
        "Ann Nurse: GCP, expires on 25 January 2026 (20 days left)",
        "Beta Hospital (RBB)",
        "Expiring within 90 days",
        "Beta cold room",
    ]
    positions = [
        text.index(part, text.index(order[i - 1]) if i else 0) for i, part in enumerate(order)
    ]
    assert positions == sorted(positions)
    assert text.count("Expired\n") == 1  # site B has nothing expired: no heading
    html = message.alternatives[0][0]
    assert re.search(r"Expired</h3>\s*<ul[^>]*>\s*<li[^>]*><a [^>]*>LN2 dewar</a>", html)
    assert "Far-off freezer" not in text and "Far-off freezer" not in html


@override_settings(READINESS_EXPIRING_DAYS=15)
def test_the_window_is_the_readiness_expiring_window(personas, items):
    reminders.expiry_digests_send(on=MONDAY)
    text = sent_to(mail.outbox)[personas.coordinator_a.email].body
    assert "Expiring within" not in text and "GCP" not in text  # 20 days left: not within 15
    assert "Beta cold room" in sent_to(mail.outbox)[personas.coordinator_b.email].body


def test_each_user_gets_the_frequency_they_chose(personas, items):
    personas.coordinator_a.expiry_digest = "daily"
    personas.coordinator_a.save()
    personas.coordinator_b.expiry_digest = "none"
    personas.coordinator_b.save()
    assert personas.pharmacist_a.expiry_digest == "weekly"  # the default
    reminders.expiry_digests_send(on=TUESDAY)
    assert [m.to for m in mail.outbox] == [[personas.coordinator_a.email]]
    mail.outbox.clear()
    reminders.expiry_digests_send(on=MONDAY + dt.timedelta(days=7))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas.coordinator_a.email, personas.pharmacist_a.email]
    )
    assert "daily expiry reminder" in sent_to(mail.outbox)[personas.coordinator_a.email].body
    assert "weekly expiry reminder" in sent_to(mail.outbox)[personas.pharmacist_a.email].body


def test_a_digest_goes_exactly_once_per_user_and_period(personas, items, eager):
    personas.coordinator_a.expiry_digest = "daily"
    personas.coordinator_a.save()
    assert send_expiry_digests.delay(on=MONDAY.isoformat()).get() == 3
    assert send_expiry_digests.delay(on=MONDAY.isoformat()).get() == 0  # run twice: nothing
    mail.outbox.clear()
    # Weekly: the same ISO week is one period whatever day the sweep runs.
    assert reminders.expiry_digests_send(on=TUESDAY, frequencies=["weekly"]) == 0
    assert reminders.expiry_digests_send(on=TUESDAY) == 1  # the daily one, for the new day
    assert reminders.expiry_digests_send(on=TUESDAY) == 0
    assert [m.to for m in mail.outbox] == [[personas.coordinator_a.email]]
    assert set(ExpiryDigest.objects.values_list("frequency", "period_start")) == {
        ("daily", MONDAY),
        ("weekly", MONDAY),
        ("daily", TUESDAY),
    }


def test_nothing_to_say_sends_nothing_and_records_nothing(personas):
    SiteCapabilityFactory(site=personas.site_a, evidence_expires_on=MONDAY + dt.timedelta(days=91))
    leaver = StaffMemberFactory(site=personas.site_a, active=False)
    TrainingRecordFactory(
        staff=leaver,
        course=CourseFactory(renewal_months=12),
        completed_on=MONDAY - dt.timedelta(days=400),
    )
    assert reminders.expiry_digests_send(on=MONDAY) == 0
    assert mail.outbox == [] and not ExpiryDigest.objects.exists()


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=9,
    EMAIL_TIMEOUT=2,
)
def test_a_failed_send_keeps_no_record_so_the_next_run_retries(personas, items):
    with pytest.raises(OSError):
        reminders.expiry_digests_send(on=MONDAY)  # nothing listens on port 9
    assert not ExpiryDigest.objects.exists()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        assert reminders.expiry_digests_send(on=MONDAY) == 3


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_digest_once(personas, items):
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            results.append(reminders.expiry_digests_send(on=MONDAY))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(results) == 3 and len(mail.outbox) == 3
    assert ExpiryDigest.objects.count() == 3


def test_the_sweep_costs_the_same_queries_however_many_items_expire(personas, items):
    with CaptureQueriesContext(connection) as first:
        assert reminders.expiry_digests_send(on=MONDAY) == 3
    for n in range(5):
        SiteCapabilityFactory(
            site=personas.site_a, evidence_expires_on=MONDAY + dt.timedelta(days=n)
        )
        TrainingRecordFactory(
            staff=StaffMemberFactory(site=personas.site_b),
            course=CourseFactory(renewal_months=None),
            completed_on=dt.date(2025, 1, 1),
            expiry_override=MONDAY,
        )
    with CaptureQueriesContext(connection) as second:
        assert reminders.expiry_digests_send(on=MONDAY + dt.timedelta(days=7)) == 3
    assert len(second) == len(first)


def test_a_user_chooses_their_reminders_on_an_account_page(personas):
    client = personas.client_for(personas.pharmacist_a)
    url = reverse("account-reminders")
    page = client.get(url).content.decode()
    assert re.search(r'value="weekly"[^>]*checked', page)
    bad = client.post(url, {"expiry_digest": "hourly"})
    assert bad.status_code == 400
    assert "Select how often to e-mail you about expiring items" in bad.content.decode()
    response = client.post(url, {"expiry_digest": "none"})
    assert response.status_code == 302
    personas.pharmacist_a.refresh_from_db()
    assert personas.pharmacist_a.expiry_digest == "none"
    assert "Expiry reminders: Never" in client.get(url).content.decode()
    assert personas.client_for(personas.nobody).get(url).status_code == 200
    assert client.logout() is None and client.get(url).status_code == 302
