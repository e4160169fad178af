from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from sites.models import EvidenceDocument
from sites.uploads import (
    ERROR_FILE_EMPTY,
    ERROR_FILE_TYPE,
    evidence_store,
    too_large_message,
)
from tests.sites.factories import PDF_BYTES

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\0" * 64
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\0" * 300
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 300


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def store(personas, name: str, content: bytes, content_type: str = "application/pdf"):
    """Site A's coordinator uploads a file as evidence."""
    return evidence_store(
        site=personas.site_a,
        uploaded_file=upload(name, content, content_type),
        user=personas.coordinator_a,
    )


def test_it_stores_a_pdf_under_a_random_name_with_its_hash(personas):
    doc = store(personas, "SOP v2.pdf", PDF_BYTES)
    doc.refresh_from_db()
    assert doc.content_type == "application/pdf"
    assert doc.original_name == "SOP v2.pdf"
    assert doc.size == len(PDF_BYTES)
    assert doc.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert "SOP" not in doc.file.name
    assert doc.file.name.startswith("evidence/") and doc.file.name.endswith(".pdf")
    with doc.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES


@pytest.mark.parametrize("content", [ELF_BYTES, EXE_BYTES, b"<html><script>alert(1)</script>"])
def test_it_rejects_an_executable_or_html_renamed_to_pdf(personas, content):
    with pytest.raises(ValidationError) as error:
        store(personas, "report.pdf", content)
    assert error.value.messages == [ERROR_FILE_TYPE]
    assert not EvidenceDocument.objects.exists()


def test_it_rejects_a_pdf_signature_that_is_not_at_the_start(personas):
    with pytest.raises(ValidationError):
        store(personas, "x.pdf", b"junk %PDF-1.4" + b"\0" * 300)


def test_it_accepts_a_png_renamed_to_pdf_as_the_png_it_is(personas):
    doc = store(personas, "scan.pdf", PNG_BYTES)
    assert doc.content_type == "image/png"
    assert doc.original_name == "scan.png"
    assert doc.file.name.endswith(".png")


def test_it_accepts_a_jpeg(personas):
    doc = store(personas, "photo.jpeg", JPEG_BYTES, "image/jpeg")
    assert doc.content_type == "image/jpeg"


def test_it_rejects_an_empty_file(personas):
    with pytest.raises(ValidationError) as error:
        store(personas, "empty.pdf", b"")
    assert error.value.messages == [ERROR_FILE_EMPTY]


def test_it_rejects_a_25_mb_file(personas):
    with pytest.raises(ValidationError) as error:
        store(personas, "big.pdf", PDF_BYTES + b"\0" * (25 * 1024 * 1024))
    assert error.value.messages == [too_large_message()]
    assert "20 MB" in too_large_message()
    assert not EvidenceDocument.objects.exists()


class LyingSize(SimpleUploadedFile):
    """An upload whose reported size is smaller than its content."""

    @property
    def size(self):
        return 10

    @size.setter
    def size(self, value):
        pass


@override_settings(MAX_UPLOAD_BYTES=1024)
def test_it_counts_bytes_while_streaming_rather_than_trusting_the_reported_size(personas):
    lying = LyingSize("x.pdf", PDF_BYTES + b"\0" * 5000, content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        evidence_store(site=personas.site_a, uploaded_file=lying, user=personas.coordinator_a)
    assert error.value.code == "too_large"


def test_it_strips_paths_and_odd_characters_from_the_original_name(personas):
    doc = store(personas, '../../etc/<evil>"name.pdf', PDF_BYTES)
    assert doc.original_name == "evil__name.pdf"


def test_the_download_is_an_attachment_with_nosniff(personas):
    doc = store(personas, "sop.pdf", PDF_BYTES)
    url = reverse("sites:evidence", args=[personas.site_a.pk, doc.pk])
    for user in (personas.coordinator_a, personas.pharmacist_a, personas.national):
        response = personas.client_for(user).get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert 'filename="sop.pdf"' in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF_BYTES


def test_it_hides_evidence_files_from_other_sites(personas):
    doc = store(personas, "sop.pdf", PDF_BYTES)
    url = reverse("sites:evidence", args=[personas.site_a.pk, doc.pk])
    for user in (personas.coordinator_b, personas.editor, personas.nobody):
        assert personas.client_for(user).get(url).status_code == 404
    # The right document id under the wrong (own) site is no way round it either.
    own = reverse("sites:evidence", args=[personas.site_b.pk, doc.pk])
    assert personas.client_for(personas.coordinator_b).get(own).status_code == 404


def test_it_asks_anonymous_visitors_to_sign_in(client, personas):
    response = client.get(reverse("sites:evidence", args=[personas.site_a.pk, 1]))
    assert response.status_code == 302


def test_uploads_use_bytes_not_the_declared_content_type(personas):
    doc = store(personas, "a.jpg", PNG_BYTES, content_type="image/jpeg")
    assert doc.content_type == "image/png"
