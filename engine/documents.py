"""Task documents: PDFs and images staff attach while completing a task whose form accepts them
("x-documents": true in the form's JSON Schema, e.g. *Enter result*: inspection record, penalty decision).

Each file is checked by its content, never by its name: a PDF must start like a PDF and end with its end-of-file
marker, an image must decode. Files are size-limited and stored like citizen attachments (random names in the
attachment store); each is recorded with the case, the task, the uploader and the time. Documents are staff
only: they are read through the case they belong to (`cases.viewable_case`), never by the public portal.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import filetype
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import cases, versions
from .actors import Actor
from .attachments import MAX_PIXELS, AttachmentStore, StoredFile, Upload
from .clock import now
from .errors import NotFound, ValidationError
from .messages import t
from .models_documents import TaskDocument
from .unseen import file_name

DOCUMENT_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_DOCUMENTS = 10  # per submission of a task
PDF_TAIL = 2048  # the end-of-file marker is looked for in the last bytes
FIELD = "documents"  # the form field the files come in, and the error key


class DocumentRejected(ValidationError):
    """A document was refused. `code` (type, too_large, too_many, broken) and `filename`/`limit` let the web
    layer say why in the user's language; the message is for logs and the CLI."""

    def __init__(self, code: str, message: str, *, filename: str = "", limit: int = 0):
        super().__init__(message, {FIELD: message})
        self.code = code
        self.filename = filename
        self.limit = limit


def accepts_documents(schema: dict[str, Any] | None) -> bool:
    """Whether a task form takes documents ("x-documents": true)."""
    return bool(schema and schema.get("x-documents") is True)


class DocumentStore(AttachmentStore):
    """Task documents in the attachment store's folder, under random keys starting with "doc-"."""

    def save_documents(self, uploads: list[Upload]) -> list[StoredFile]:
        """Check and store every upload; on any problem nothing is kept and the error names the file."""
        uploads = [u for u in uploads if u.filename]
        if len(uploads) > MAX_DOCUMENTS:
            raise DocumentRejected("too_many", f"at most {MAX_DOCUMENTS} documents at a time", limit=MAX_DOCUMENTS)
        stored: list[StoredFile] = []
        try:
            for upload in uploads:
                stored.append(self._save_document(upload))
        except Exception:
            self.delete([s.storage_key for s in stored])
            raise
        return stored

    def _save_document(self, upload: Upload) -> StoredFile:
        name = file_name(upload.filename)
        head = upload.stream.read(8192)
        kind = filetype.guess(head) if head else None
        mime = kind.mime if kind else None
        if mime not in DOCUMENT_TYPES:
            raise DocumentRejected("type", f"{name}: only PDF documents or JPEG/PNG/WebP images", filename=name)
        key = f"doc-{secrets.token_hex(16)}.{DOCUMENT_TYPES[mime]}"
        target = self.path(key)
        try:
            size = self.write(key, head, upload.stream, MAX_DOCUMENT_BYTES, lambda: DocumentRejected(
                "too_large", f"{name}: larger than {MAX_DOCUMENT_BYTES} bytes", filename=name,
                limit=MAX_DOCUMENT_BYTES // (1024 * 1024)))
            _check_content(target, mime, name)
        except Exception:
            self.delete([key])
            raise
        return StoredFile(name, mime, size, key)


def _check_content(path: Path, mime: str, name: str) -> None:
    """A PDF ends with its end-of-file marker; an image decodes (and is not a decompression bomb)."""
    if mime == "application/pdf":
        with path.open("rb") as file:
            file.seek(max(0, path.stat().st_size - PDF_TAIL))
            if b"%%EOF" not in file.read():
                raise DocumentRejected("broken", f"{name}: not a complete PDF document", filename=name)
        return
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise DocumentRejected("broken", f"{name}: too many pixels", filename=name)
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DocumentRejected("broken", f"{name}: not a readable image", filename=name) from exc


def attach_to_task(session: Session, actor: Actor, case_id: int, task_id: str,
                   stored: list[StoredFile]) -> list[TaskDocument]:
    """Record stored files as documents of the open task the actor works on (its form must accept them)."""
    if not stored:
        return []
    item = cases.permitted_task(session, actor, case_id, task_id)
    case = cases.get_case(session, case_id)
    if not accepts_documents(versions.version_form(case.process_version, item.form)):
        raise DocumentRejected("not_accepted", f"the task {item.task_name!r} takes no documents")
    at = now()
    documents = [TaskDocument(case_id=case.id, task_name=item.task_name, task_title=item.title[:200],
                              filename=s.filename, content_type=s.content_type, size=s.size,
                              storage_key=s.storage_key, uploaded_by=actor.username, uploaded_at=at)
                 for s in stored]
    session.add_all(documents)
    session.flush()
    return documents


def case_documents(session: Session, case_id: int) -> list[TaskDocument]:
    """The documents of a case, oldest first (callers have checked that the actor may see the case)."""
    return list(session.scalars(select(TaskDocument).where(TaskDocument.case_id == case_id)
                                .order_by(TaskDocument.uploaded_at, TaskDocument.id)))


def staff_document(session: Session, actor: Actor, document_id: int) -> TaskDocument:
    """A document of a case the actor may see (NotFound / PermissionDenied otherwise)."""
    document = session.get(TaskDocument, document_id)
    if document is None:
        raise NotFound(t("document_missing"))
    cases.viewable_case(session, actor, document.case_id)
    return document
