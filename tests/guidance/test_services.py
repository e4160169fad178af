from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from guidance import services
from guidance.models import (
    DOCUMENT_HAS_RECORDS,
    PUBLISHED_CANNOT_BE_DELETED,
    PUBLISHED_IS_IMMUTABLE,
    Acknowledgement,
    GuidanceVersion,
)
from tests.accounts.factories import UserFactory
from tests.guidance.factories import GuidanceDocumentFactory, publish_guidance

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return UserFactory(is_guidance_editor=True)


def _redraft(version, editor, **changes):
    fields = {
        "title": version.title,
        "summary": version.summary,
        "body_markdown": version.body_markdown,
        **changes,
    }
    return services.draft_create(document=version.document, user=editor, **fields)


def _publish(draft, editor, note="Updated."):
    today = dt.date.today()
    return services.version_publish(
        version=draft,
        user=editor,
        change_note=note,
        effective_date=today,
        review_due=today + dt.timedelta(days=30),
    )


def test_it_numbers_versions_and_supersedes_the_previous_one(editor):
    v1 = publish_guidance(title="Thawing cells", editor=editor)
    v2 = _publish(_redraft(v1, editor, body_markdown="New **text**."), editor)
    v1.refresh_from_db()
    assert (v1.number, v1.status) == (1, GuidanceVersion.Status.SUPERSEDED)
    assert (v2.number, v2.status) == (2, GuidanceVersion.Status.PUBLISHED)
    assert v2.body_html == "<p>New <strong>text</strong>.</p>"
    assert v2.body_text == "New text."
    assert v2.published_by == editor
    # The superseded version stays readable, unchanged.
    assert v1.body_markdown == "Some guidance."


def test_it_stores_a_search_vector_on_publish_on_postgresql(editor):
    version = publish_guidance(title="Thawing cells", body="Use a water bath.", editor=editor)
    version.refresh_from_db()
    if connection.vendor != "postgresql":
        assert version.search_vector is None
        return
    assert "'thaw':1A" in version.search_vector
    assert "'water'" in version.search_vector and "C" in version.search_vector


def test_it_rejects_publishing_a_review_date_before_the_effective_date(editor):
    document = GuidanceDocumentFactory()
    draft = services.draft_create(
        document=document, user=editor, title="T", summary="S", body_markdown="B"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.version_publish(
            version=draft,
            user=editor,
            change_note="x",
            effective_date=dt.date(2026, 5, 1),
            review_due=dt.date(2026, 5, 1),
        )
    assert excinfo.value.message_dict["review_due"] == [services.REVIEW_BEFORE_EFFECTIVE]
    draft.refresh_from_db()
    assert draft.status == GuidanceVersion.Status.DRAFT


def test_it_requires_a_change_note(editor):
    draft = services.draft_create(
        document=GuidanceDocumentFactory(), user=editor, title="T", summary="S", body_markdown="B"
    )
    with pytest.raises(ValidationError) as excinfo:
        _publish(draft, editor, note="  ")
    assert excinfo.value.message_dict["change_note"] == [services.CHANGE_NOTE_REQUIRED]


def test_it_refuses_a_second_draft_and_republishing(editor):
    version = publish_guidance(title="T", editor=editor)
    _redraft(version, editor)
    with pytest.raises(ValidationError, match=services.DRAFT_EXISTS):
        _redraft(version, editor)
    with pytest.raises(ValidationError, match=services.NOT_A_DRAFT):
        _publish(version, editor)


def test_it_updates_only_the_draft(editor):
    version = publish_guidance(title="T", editor=editor)
    with pytest.raises(ValidationError, match=services.NO_DRAFT):
        services.draft_update(
            document=version.document, user=editor, title="x", summary="y", body_markdown="z"
        )
    _redraft(version, editor)
    draft = services.draft_update(
        document=version.document,
        user=editor,
        title="New",
        summary="S",
        body_markdown="<script>x</script>Hi",
    )
    assert draft.title == "New" and "<script" not in draft.body_html
    version.refresh_from_db()
    assert version.title == "T"


def test_it_refuses_to_change_a_published_version_through_the_model(editor):
    version = publish_guidance(title="T", editor=editor)
    version.body_markdown = "Changed"
    with pytest.raises(ValidationError, match=PUBLISHED_IS_IMMUTABLE):
        version.save()
    version.refresh_from_db()
    assert version.body_markdown == "Some guidance."


def test_it_refuses_bulk_updates_and_deletes_of_published_versions(editor):
    version = publish_guidance(title="T", editor=editor)
    with pytest.raises(ValidationError, match=PUBLISHED_IS_IMMUTABLE):
        GuidanceVersion.objects.filter(pk=version.pk).update(title="Changed")
    with pytest.raises(ValidationError, match=PUBLISHED_CANNOT_BE_DELETED):
        GuidanceVersion.objects.filter(pk=version.pk).delete()
    with pytest.raises(ValidationError, match=PUBLISHED_CANNOT_BE_DELETED):
        version.delete()
    with pytest.raises(ValidationError, match=DOCUMENT_HAS_RECORDS):
        version.document.delete()
    version.refresh_from_db()
    assert version.title == "T"


def test_it_lets_drafts_be_deleted(editor):
    draft = services.draft_create(
        document=GuidanceDocumentFactory(), user=editor, title="T", summary="S", body_markdown="B"
    )
    GuidanceVersion.objects.filter(pk=draft.pk).delete()
    assert not GuidanceVersion.objects.filter(pk=draft.pk).exists()


def test_it_keeps_old_acknowledgements_but_marks_them_not_current(editor):
    reader = UserFactory()
    v1 = publish_guidance(title="T", editor=editor)
    first = services.acknowledgement_record(version=v1, user=reader)
    again = services.acknowledgement_record(version=v1, user=reader)
    assert first.pk == again.pk and Acknowledgement.objects.count() == 1
    assert first.is_current

    _publish(_redraft(v1, editor, body_markdown="v2"), editor)
    first.refresh_from_db()
    assert Acknowledgement.objects.filter(pk=first.pk).exists()
    assert not first.is_current
    with pytest.raises(ValidationError, match=services.NOT_ACKNOWLEDGEABLE):
        services.acknowledgement_record(version=v1, user=reader)


def test_it_retires_a_document_once(editor):
    version = publish_guidance(title="T", editor=editor)
    services.document_retire(document=version.document, user=editor)
    version.document.refresh_from_db()
    assert version.document.is_retired
    with pytest.raises(ValidationError, match=services.ALREADY_RETIRED):
        services.document_retire(document=version.document, user=editor)
    with pytest.raises(ValidationError, match=services.NOT_ACKNOWLEDGEABLE):
        services.acknowledgement_record(version=version, user=editor)
    with pytest.raises(ValidationError, match=services.DOCUMENT_RETIRED):
        _redraft(version, editor)


def test_it_records_history_of_publication(editor):
    v1 = publish_guidance(title="T", editor=editor)
    reasons = list(v1.history.values_list("history_change_reason", flat=True))
    assert "Published as version 1" in reasons


def test_it_drops_the_search_vector_of_a_superseded_version(editor):
    v1 = publish_guidance(title="Thawing cells", editor=editor)
    _publish(_redraft(v1, editor), editor)
    v1.refresh_from_db()
    assert v1.search_vector is None
