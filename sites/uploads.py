"""Evidence and certificate uploads: checked by content, size-limited, stored under random names.

The file's name and the browser's Content-Type are claims; only the bytes decide. A PNG
named "scan.pdf" is accepted as the PNG it is (the stored content type says image/png and
the download carries a .png name), because rejecting it would only punish a coordinator
who renamed a scan; an executable named ".pdf" is refused because its bytes are no PDF.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
import uuid
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404

from accounts.models import User
from sites.models import EvidenceDocument, Site

ALLOWED_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}

ERROR_FILE_TYPE = "The selected file must be a PDF, PNG or JPEG"
ERROR_FILE_EMPTY = "The selected file is empty"
ERROR_FILE_TOO_LARGE = "The selected file must be smaller than {limit} MB"

HEADER_BYTES = 262  # what filetype needs to recognise every type it knows
CHUNK_BYTES = 64 * 1024


def too_large_message() -> str:
    return ERROR_FILE_TOO_LARGE.format(limit=settings.MAX_UPLOAD_BYTES // (1024 * 1024))


def size_check(uploaded_file: UploadedFile) -> None:
    """Refuse a file that says it is over the limit before reading any of it."""
    if uploaded_file.size is not None and uploaded_file.size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(too_large_message(), code="too_large")


def detect_content_type(header: bytes) -> str:
    """The allowed content type these first bytes belong to, or ValidationError."""
    if not header:
        raise ValidationError(ERROR_FILE_EMPTY, code="empty")
    kind = filetype.guess(header)
    mime = kind.mime if kind else None
    if mime not in ALLOWED_TYPES:
        raise ValidationError(ERROR_FILE_TYPE, code="file_type")
    # filetype finds "%PDF" anywhere in the first bytes; a real PDF starts with the header.
    if mime == "application/pdf" and not header.startswith(b"%PDF-"):
        raise ValidationError(ERROR_FILE_TYPE, code="file_type")
    return mime


def evidence_check(uploaded_file: UploadedFile) -> str:
    """Validate an upload without storing it (forms call this); returns its content type."""
    size_check(uploaded_file)
    uploaded_file.seek(0)
    header = uploaded_file.read(HEADER_BYTES)
    uploaded_file.seek(0)
    return detect_content_type(header)


def sanitise_name(name: str, content_type: str) -> str:
    """A display/download name: no path, no control characters, extension matching the content."""
    name = unicodedata.normalize("NFC", PurePath(name.replace("\\", "/")).name)
    stem = re.sub(r"[^\w .()+-]", "_", PurePath(name).stem).strip(" ._") or "evidence"
    return f"{stem[:120]}.{ALLOWED_TYPES[content_type]}"


def evidence_store(*, site: Site, uploaded_file: UploadedFile, user: User) -> EvidenceDocument:
    """Check, hash and store one upload; the size limit is enforced while streaming.

    The reported size is never trusted: the bytes are counted as they are copied, and the copy
    stops as soon as the limit is passed.
    """
    size_check(uploaded_file)
    limit = settings.MAX_UPLOAD_BYTES
    uploaded_file.seek(0)
    digest = hashlib.sha256()
    size = 0
    header = b""
    with tempfile.SpooledTemporaryFile(max_size=CHUNK_BYTES * 16) as spool:
        for chunk in uploaded_file.chunks(CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                raise ValidationError(too_large_message(), code="too_large")
            if len(header) < HEADER_BYTES:
                header += chunk[: HEADER_BYTES - len(header)]
            digest.update(chunk)
            spool.write(chunk)
        content_type = detect_content_type(header)
        spool.seek(0)
        document = EvidenceDocument(
            site=site,
            original_name=sanitise_name(uploaded_file.name or "", content_type),
            content_type=content_type,
            size=size,
            sha256=digest.hexdigest(),
            uploaded_by=user,
        )
        # A random name: nothing the uploader chose reaches the file system.
        document.file.save(
            f"{uuid.uuid4().hex}.{ALLOWED_TYPES[content_type]}", File(spool), save=False
        )
    with transaction.atomic():
        document.save()
    return document


def evidence_response(document: EvidenceDocument) -> FileResponse:
    """The stored file as a download (never shown inline); the caller has checked access."""
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("No such document.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def kept_document(site: Site, user: User, pk: int | None) -> EvidenceDocument | None:
    """A file this user uploaded with a submission that could not be saved yet (not yet evidence
    of any checklist item)."""
    if not pk:
        return None
    return site.documents.filter(pk=pk, uploaded_by=user, capabilities__isnull=True).first()


def upload_kept(*, form, field: str, site: Site, user: User) -> EvidenceDocument | None:
    """The file of a form submission, kept even when another field is wrong.

    Browsers cannot refill a file input, so a good file is checked and stored at once and the
    form shows it again as kept (templates/includes/_kept_file.html, whose hidden
    `pending_document` field brings it back with the next submission). Returns the file just
    chosen, else the one kept from an earlier submission, else None; a refused file is an
    error on `field`.
    """
    document = kept_document(site, user, form.cleaned_data.get("pending_document"))
    upload = form.cleaned_data.get(field)
    if upload and field not in form.errors:
        try:
            document = evidence_store(site=site, uploaded_file=upload, user=user)
        except ValidationError as exc:
            form.add_error(field, exc)
    return document
