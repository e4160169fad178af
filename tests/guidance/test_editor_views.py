from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from guidance import forms, services
from guidance.models import GuidanceDocument, GuidanceVersion
from tests.guidance.factories import publish_guidance

pytestmark = pytest.mark.django_db

NEW_DOCUMENT = {
    "title": "Thawing cells",
    "slug": "thawing-cells",
    "section": "clinical_operational",
    "topics": ["thaw_reconstitution"],
    "atmp_classes": ["sctmp"],
    "product_statuses": [],
    "source": "SPS",
    "summary": "How to thaw.",
    "body_markdown": "## Steps\n\nThaw <script>x</script>",
}


def test_editor_pages_do_not_exist_for_other_users(personas):
    publish_guidance(title="T", slug="t")
    urls = [
        reverse("guidance:editor_list"),
        reverse("guidance:editor_create"),
        reverse("guidance:editor_document", args=["t"]),
        reverse("guidance:editor_draft", args=["t"]),
        reverse("guidance:editor_publish", args=["t"]),
        reverse("guidance:editor_retire", args=["t"]),
    ]
    for user in (personas.pharmacist_a, personas.coordinator_a, personas.national):
        client = personas.client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {}).status_code == 404, url


def test_an_editor_creates_previews_and_publishes(personas):
    client = personas.client_for(personas.editor)
    response = client.post(reverse("guidance:editor_create"), NEW_DOCUMENT)
    assert response.status_code == 302
    draft = GuidanceVersion.objects.get(document__slug="thawing-cells")
    assert draft.status == GuidanceVersion.Status.DRAFT and "<script" not in draft.body_html

    preview = client.post(
        reverse("guidance:editor_draft", args=["thawing-cells"]),
        {
            "title": "Thawing cells",
            "summary": "s",
            "body_markdown": "**Bold** [x](javascript:alert(1))",
            "preview": "",
        },
    )
    page = preview.content.decode()
    assert "<strong>Bold</strong>" in page and "javascript:" not in page.split("</textarea>")[-1]
    draft.refresh_from_db()
    assert draft.summary == "How to thaw."  # preview saves nothing

    url = reverse("guidance:editor_publish", args=["thawing-cells"])
    today = dt.date.today()
    response = client.post(
        url,
        {
            "change_note": "First.",
            "effective_date": today.isoformat(),
            "review_due": (today + dt.timedelta(days=365)).isoformat(),
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.number) == (GuidanceVersion.Status.PUBLISHED, 1)
    listing = client.get(reverse("guidance:editor_list")).content.decode()
    assert "Thawing cells" in listing


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"change_note": "x", "effective_date": "2026-05-01", "review_due": "2026-05-01"},
            "review_due",
            forms.REVIEW_BEFORE_EFFECTIVE,
        ),
        (
            {"change_note": "", "effective_date": "2026-05-01", "review_due": "2027-05-01"},
            "change_note",
            forms.CHANGE_NOTE_REQUIRED,
        ),
        (
            {"change_note": "x", "effective_date": "", "review_due": "2027-05-01"},
            "effective_date",
            forms.EFFECTIVE_REQUIRED,
        ),
        (
            {"change_note": "x", "effective_date": "2026-05-01", "review_due": ""},
            "review_due",
            forms.REVIEW_REQUIRED,
        ),
        (
            {"change_note": "x", "effective_date": "31/02/2026", "review_due": "2027-05-01"},
            "effective_date",
            "Enter the date this version is effective from as a real date, for example 27 3 2026",
        ),
        (
            {"change_note": "x", "effective_date": "2026-05-01", "review_due": "2040-05-01"},
            "review_due",
            forms.REVIEW_TOO_FAR,
        ),
    ],
)
def test_publish_form_errors_show_next_to_the_field(personas, data, field, message):
    document = publish_guidance(title="T", slug="t").document
    services.draft_create(
        document=document, user=personas.editor, title="T", summary="S", body_markdown="B"
    )
    with_today = {
        k: (
            v.replace("2026-05-01", dt.date.today().isoformat())
            .replace("2027-05-01", (dt.date.today() + dt.timedelta(days=30)).isoformat())
            .replace("2040-05-01", (dt.date.today() + dt.timedelta(days=4000)).isoformat())
        )
        for k, v in data.items()
    }
    client = personas.client_for(personas.editor)
    response = client.post(reverse("guidance:editor_publish", args=["t"]), with_today)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert f'id="id_{field}-error"' in response.content.decode()
    assert document.versions.filter(status=GuidanceVersion.Status.DRAFT).exists()


def test_create_rejects_taken_and_reserved_slugs(personas):
    publish_guidance(title="T", slug="taken")
    client = personas.client_for(personas.editor)
    for slug, message in (("taken", forms.SLUG_TAKEN), ("acknowledgements", forms.SLUG_RESERVED)):
        response = client.post(reverse("guidance:editor_create"), {**NEW_DOCUMENT, "slug": slug})
        assert response.context["form"].errors["slug"] == [message]
    assert not GuidanceDocument.objects.filter(slug="acknowledgements").exists()


def test_an_editor_retires_a_document(personas):
    publish_guidance(title="Old", slug="old")
    client = personas.client_for(personas.editor)
    assert client.get(reverse("guidance:editor_retire", args=["old"])).status_code == 200
    client.post(reverse("guidance:editor_retire", args=["old"]))
    assert GuidanceDocument.objects.get(slug="old").is_retired
    page = personas.client_for(personas.pharmacist_a).get(reverse("guidance:list")).content
    assert b"Old" not in page
    detail = personas.client_for(personas.pharmacist_a).get(
        reverse("guidance:detail", args=["old"])
    )
    assert b"Retired guidance" in detail.content and b"I have read" not in detail.content


def test_the_editor_list_flags_overdue_reviews(personas):
    publish_guidance(
        title="Late",
        slug="late",
        effective_date=dt.date.today() - dt.timedelta(days=200),
        review_due=dt.date.today() - dt.timedelta(days=3),
    )
    page = personas.client_for(personas.editor).get(reverse("guidance:editor_list")).content
    assert b"Review overdue" in page


def test_the_editor_list_names_documents_past_or_near_their_review_date(db):
    import datetime as _dt

    from guidance import selectors as _selectors
    from tests.guidance.factories import publish_guidance as _publish

    today = _dt.date.today()
    _publish(
        title="Overdue one",
        slug="overdue",
        effective_date=today - _dt.timedelta(days=300),
        review_due=today - _dt.timedelta(days=1),
    )
    _publish(title="Soon one", slug="soon", review_due=today + _dt.timedelta(days=30))
    _publish(title="Fine one", slug="fine", review_due=today + _dt.timedelta(days=300))
    rows = {r.document.slug: r.review for r in _selectors.editor_documents(today=today)}
    assert rows == {"overdue": "overdue", "soon": "soon", "fine": "ok"}


def test_publishing_with_every_field_empty_names_each_field(personas):
    document = publish_guidance(title="T", slug="t").document
    services.draft_create(
        document=document, user=personas.editor, title="T", summary="S", body_markdown="B"
    )
    client = personas.client_for(personas.editor)
    page = client.post(reverse("guidance:editor_publish", args=["t"]), {}).content.decode()
    assert "This field is required" not in page
    for message in (
        forms.CHANGE_NOTE_REQUIRED,
        forms.EFFECTIVE_REQUIRED,
        forms.REVIEW_REQUIRED,
        forms.REREAD_REQUIRED,
    ):
        assert message in page


def test_the_preview_warns_about_raw_html_and_keeps_the_text_after_it(personas):
    document = publish_guidance(title="T", slug="t").document
    client = personas.client_for(personas.editor)
    page = client.post(
        reverse("guidance:editor_draft", args=["t"]),
        {
            "title": "T",
            "summary": "S",
            "preview": "1",
            "body_markdown": "Before.\n\n<script>alert(1)\n\nAfter the script.",
        },
    ).content.decode()
    assert "Raw HTML shown as text" in page and "After the script." in page
    assert document.versions.count() == 1  # a preview saves nothing
