"""Binary downloads answer with a Content-Type the schema documents (found by the schemathesis
run once it used real ids: evidence files came back as application/pdf, documented only as
application/octet-stream)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from sites.uploads import ALLOWED_TYPES, evidence_store
from tests.sites.factories import PDF_BYTES

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def test_each_evidence_file_type_downloads_as_a_documented_content_type(personas):
    client = APIClient()
    client.force_authenticate(personas.coordinator_a)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    documented = set(
        schema["paths"]["/api/v1/sites/{site_id}/evidence/{doc_id}/"]["get"]["responses"]["200"][
            "content"
        ]
    )
    assert documented == set(ALLOWED_TYPES)
    for name, content in (
        ("sop.pdf", PDF_BYTES),
        ("photo.png", PNG_BYTES),
        ("scan.jpg", JPEG_BYTES),
    ):
        document = evidence_store(
            site=personas.site_a,
            user=personas.coordinator_a,
            uploaded_file=SimpleUploadedFile(name, content),
        )
        response = client.get(f"/api/v1/sites/{personas.site_a.pk}/evidence/{document.pk}/")
        assert response.status_code == 200
        assert response["Content-Type"].split(";")[0] in documented, name
