"""'Needs a re-read' is the editor's choice per version: only those versions reach readers again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from guidance import forms, notices, selectors, services
from guidance.models import GuidanceVersion, RereadNotice
from tests.guidance.factories import publish_guidance

pytestmark = pytest.mark.django_db


def republish(version, editor, *, needs_reread, note):
    return publish_guidance(
        document=version.document,
        editor=editor,
        title=version.title,
        body=version.body_markdown + f"\n\n{note}",
        change_note=note,
        needs_reread=needs_reread,
    )


@pytest.fixture
def read_v1(personas):
    v1 = publish_guidance(editor=personas.editor, title="Thawing", slug="thawing")
    services.acknowledgement_record(version=v1, user=personas.pharmacist_a)
    return v1


def test_a_version_without_a_re_read_tells_nobody_and_keeps_readers_read(
    read_v1, personas, django_capture_on_commit_callbacks, eager
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        v2 = republish(read_v1, personas.editor, needs_reread=False, note="Typo fixed.")
    assert callbacks == [] and mail.outbox == []
    assert notices.reread_notices_send(version=v2) == 0
    assert notices.reread_notices_sweep(now=timezone.now()) == 0
    assert not RereadNotice.objects.exists() and mail.outbox == []
    reader = personas.pharmacist_a
    assert selectors.reading_status(reader, [v2]) == {v2.document_id: selectors.Reading.READ}
    assert selectors.rereads_for(reader) == []
    _, rows = selectors.site_acknowledgements(personas.site_a)
    assert reader in rows[0].read and reader not in rows[0].reread
    # The choice is in the version's history.
    record = v2.history.order_by("-history_date").first()
    assert record.needs_reread is False and record.reread_from == 1
    assert "no re-read needed" in record.history_change_reason
    page = personas.client_for(reader).get(reverse("guidance:detail", args=["thawing"]))
    text = page.content.decode()
    assert "You confirmed you read version 1" in text and "Version 2 needs no re-read" in text
    assert "I have read this version" not in text
    home = personas.client_for(reader).get(reverse("home")).content.decode()
    assert "Guidance to read again" not in home


def test_the_next_version_that_needs_a_re_read_reaches_readers_of_either_version(
    read_v1, personas, django_capture_on_commit_callbacks, eager
):
    v2 = republish(read_v1, personas.editor, needs_reread=False, note="Typo fixed.")
    services.acknowledgement_record(version=v2, user=personas.coordinator_a)
    with django_capture_on_commit_callbacks(execute=True):
        v3 = republish(v2, personas.editor, needs_reread=True, note="Thaw within 30 minutes.")
    assert v3.needs_reread and v3.reread_from == 3
    assert [m.to[0] for m in mail.outbox] == [personas.pharmacist_a.email]  # pharmacists only
    for reader in (personas.pharmacist_a, personas.coordinator_a):
        assert selectors.reading_status(reader, [v3])[v3.document_id] == selectors.Reading.REREAD
    assert selectors.rereads_for(personas.pharmacist_a) == [v3]
    record = v3.history.order_by("-history_date").first()
    assert record.needs_reread is True and "must re-read" in record.history_change_reason
    # Acknowledging the new version clears it; a later typo fix keeps it cleared.
    services.acknowledgement_record(version=v3, user=personas.pharmacist_a)
    v4 = republish(v3, personas.editor, needs_reread=False, note="Link mended.")
    assert v4.reread_from == 3
    assert selectors.reading_status(personas.pharmacist_a, [v4])[v4.document_id] == "read"
    assert selectors.reading_status(personas.coordinator_a, [v4])[v4.document_id] == "reread"


def test_the_first_version_always_needs_reading(personas):
    v1 = publish_guidance(editor=personas.editor, title="New", slug="new", needs_reread=False)
    assert v1.needs_reread and v1.reread_from == 1


def _draft(personas, slug="t"):
    document = publish_guidance(title="T", slug=slug, editor=personas.editor).document
    services.draft_create(
        document=document, user=personas.editor, title="T", summary="S", body_markdown="Corrected."
    )
    return document


def _publish_data(**extra):
    today = dt.date.today()
    return {
        "change_note": "Typo.",
        "effective_date": today.isoformat(),
        "review_due": (today + dt.timedelta(days=300)).isoformat(),
        **extra,
    }


def test_the_publish_page_asks_and_names_the_choice_when_it_is_missing(personas):
    document = _draft(personas)
    client = personas.client_for(personas.editor)
    url = reverse("guidance:editor_publish", args=["t"])
    page = client.get(url).content.decode()
    assert 'name="needs_reread" type="radio" value="yes"' in page
    assert 'name="needs_reread" type="radio" value="no"' in page
    response = client.post(url, _publish_data())
    assert response.context["form"].errors["needs_reread"] == [forms.REREAD_REQUIRED]
    assert 'id="id_needs_reread-error"' in response.content.decode()
    response = client.post(url, _publish_data(needs_reread="maybe"))
    assert "needs_reread" in response.context["form"].errors and response.status_code == 200
    assert document.versions.filter(status=GuidanceVersion.Status.DRAFT).exists()


@pytest.mark.parametrize(("choice", "expected"), [("no", False), ("yes", True)])
def test_the_editor_s_choice_is_stored(
    personas, django_capture_on_commit_callbacks, choice, expected
):
    document = _draft(personas)
    client = personas.client_for(personas.editor)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("guidance:editor_publish", args=["t"]), _publish_data(needs_reread=choice)
        )
    assert response.status_code == 302
    version = document.versions.get(number=2)
    assert version.needs_reread is expected and len(callbacks) == int(expected)
    manage = client.get(reverse("guidance:editor_document", args=["t"])).content.decode()
    assert "Readers asked to re-read" in manage


def test_the_first_version_s_publish_page_does_not_ask(personas):
    client = personas.client_for(personas.editor)
    services.document_create(
        user=personas.editor,
        slug="fresh",
        title="Fresh",
        section="clinical_operational",
        topics=["receipt"],
        atmp_classes=[],
        product_statuses=[],
    )
    from guidance.models import GuidanceDocument

    services.draft_create(
        document=GuidanceDocument.objects.get(slug="fresh"),
        user=personas.editor,
        title="Fresh",
        summary="S",
        body_markdown="B",
    )
    url = reverse("guidance:editor_publish", args=["fresh"])
    assert "needs_reread" not in client.get(url).content.decode()
    assert client.post(url, _publish_data()).status_code == 302
