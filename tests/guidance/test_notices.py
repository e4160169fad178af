"""Reaching readers: the re-read e-mail once per reader and version, the monthly review reminder."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from guidance import notices, selectors, services
from guidance.models import RereadNotice, ReviewReminder
from sites.models import SiteMembership
from tests.accounts.factories import UserFactory
from tests.guidance.factories import publish_guidance
from tests.sites.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def republish(version, editor, *, note="Thaw within 30 minutes, not 60."):
    return publish_guidance(
        document=version.document,
        editor=editor,
        title=version.title,
        body=version.body_markdown + "\n\nNew paragraph.",
        change_note=note,
    )


@pytest.fixture
def readers(personas):
    """Pharmacists at two sites who read version 1, and one who never read it."""
    v1 = publish_guidance(editor=personas.editor, title="Thawing", slug="thawing")
    other_site = MembershipFactory(
        site=personas.site_b, role=SiteMembership.Role.PHARMACIST, user__email="pharm.b@nhs.example"
    ).user
    never = MembershipFactory(
        site=personas.site_b, role=SiteMembership.Role.PHARMACIST, user__email="never@nhs.example"
    ).user
    for user in (personas.pharmacist_a, other_site, personas.coordinator_a):
        services.acknowledgement_record(version=v1, user=user)
    return v1, [personas.pharmacist_a, other_site], never


def test_publishing_a_new_version_emails_each_earlier_reader_once(
    readers, personas, django_capture_on_commit_callbacks, eager
):
    v1, told, never = readers
    with django_capture_on_commit_callbacks(execute=True):
        v2 = republish(v1, personas.editor)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in told)
    message = mail.outbox[0]
    assert "version 2" in message.subject and "Thaw within 30 minutes" in message.body
    url = "http://127.0.0.1:8000" + reverse("guidance:detail", args=["thawing"])
    assert url in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html" and "Thaw within 30 minutes" in html and url in html
    # Sent again (a retried task, the hourly sweep): nobody hears twice.
    assert notices.reread_notices_send(version=v2) == 0
    assert notices.reread_notices_sweep(now=timezone.now()) == 0
    assert len(mail.outbox) == 2
    assert RereadNotice.objects.filter(version=v2).count() == 2
    assert never.email not in [m.to[0] for m in mail.outbox]


def test_a_reader_who_already_read_the_new_version_is_not_told(readers, personas):
    v1, told, _ = readers
    v2 = republish(v1, personas.editor)
    services.acknowledgement_record(version=v2, user=told[0])
    assert notices.reread_notices_send(version=v2) == 1
    assert [m.to[0] for m in mail.outbox] == [told[1].email]


def test_the_home_page_lists_guidance_to_reread(readers, personas):
    v1, told, _ = readers
    republish(v1, personas.editor)
    assert [v.document.slug for v in selectors.rereads_for(told[0])] == ["thawing"]
    page = personas.client_for(told[0]).get(reverse("home")).content.decode()
    assert "Guidance to read again" in page and 'href="/guidance/thawing/"' in page


def test_editors_get_one_review_reminder_a_month(personas):
    today = dt.date(2027, 3, 1)
    publish_guidance(
        editor=personas.editor,
        title="Old",
        slug="old",
        effective_date=dt.date(2026, 6, 1),
        review_due=dt.date(2027, 2, 1),
    )
    publish_guidance(
        editor=personas.editor,
        title="Fresh",
        slug="fresh",
        effective_date=dt.date(2026, 6, 1),
        review_due=dt.date(2028, 2, 1),
    )
    second_editor = UserFactory(is_guidance_editor=True, email="ed2@nhs.example")
    assert notices.review_reminders_send(on=today) == 2
    assert notices.review_reminders_send(on=today + dt.timedelta(days=10)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas.editor.email, second_editor.email]
    )
    assert "Old" in mail.outbox[0].body and "Fresh" not in mail.outbox[0].body
    assert ReviewReminder.objects.filter(month=today).count() == 2
    assert notices.review_reminders_send(on=dt.date(2027, 4, 1)) == 2
