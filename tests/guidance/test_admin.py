from __future__ import annotations

import pytest
from django.urls import reverse

from guidance.models import GuidanceVersion
from tests.accounts.factories import UserFactory
from tests.guidance.factories import publish_guidance

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_it_shows_a_published_version_read_only_in_the_admin(admin_client):
    version = publish_guidance(title="Thawing cells")
    url = reverse("admin:guidance_guidanceversion_change", args=[version.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="body_markdown"' not in page.content
    assert b'name="_save"' not in page.content


def test_it_refuses_to_change_a_published_version_through_the_admin(admin_client):
    version = publish_guidance(title="Thawing cells")
    url = reverse("admin:guidance_guidanceversion_change", args=[version.pk])
    response = admin_client.post(
        url,
        {
            "title": "Hacked",
            "summary": "x",
            "body_markdown": "x",
            "status": "draft",
            "document": version.document_id,
        },
    )
    assert response.status_code == 403
    version.refresh_from_db()
    assert (version.title, version.status) == ("Thawing cells", GuidanceVersion.Status.PUBLISHED)


def test_it_refuses_to_delete_a_published_version_or_its_document_through_the_admin(admin_client):
    version = publish_guidance(title="Thawing cells")
    delete_version = reverse("admin:guidance_guidanceversion_delete", args=[version.pk])
    delete_document = reverse("admin:guidance_guidancedocument_delete", args=[version.document_id])
    assert admin_client.post(delete_version, {"post": "yes"}).status_code == 403
    assert admin_client.post(delete_document, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:guidance_guidanceversion_changelist")
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [version.pk]}
    )
    assert response.status_code in (200, 302)
    assert GuidanceVersion.objects.filter(pk=version.pk).exists()
