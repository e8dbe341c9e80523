"""Files on staff pages: the report's photos in a viewer page (the no-JavaScript fallback of the in-page viewer,
static/photo-viewer.js) and the documents staff attach to a task (engine/documents.py), tied to the request's
unit of work — files saved for a request whose work is rolled back are deleted again."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory
from flask_babel import gettext as _
from flask_login import login_required

from engine import casefile, documents
from engine.attachments import StoredFile, Upload
from engine.unseen import file_name

from . import params
from .auth import current_actor
from .db import after_rollback, db

bp = Blueprint("case_media", __name__, url_prefix="/cases")


class RequestDocumentStore(documents.DocumentStore):
    def save_documents(self, uploads: list[Upload]) -> list[StoredFile]:
        stored = super().save_documents(uploads)
        keys = [s.storage_key for s in stored]
        if keys:
            after_rollback(lambda: self.delete(keys))
        return stored


def chosen_documents() -> list[Upload]:
    """The files posted in the task form's documents field (empty file inputs left out)."""
    return params.posted_files(documents.FIELD, refuse_broken=False)


def attach_documents(case_id: int, task_id: str) -> None:
    """Store the posted documents and record them with the task (DocumentRejected if one is refused)."""
    uploads = params.posted_files(documents.FIELD)
    if uploads:
        stored = RequestDocumentStore(current_app.config["ATTACHMENTS_DIR"]).save_documents(uploads)
        documents.attach_to_task(db(), current_actor(), case_id, task_id, stored)


def rejection_text(error: documents.DocumentRejected) -> str:
    """Why a document was refused, in the user's language."""
    if error.code == "type":
        return _("%(name)s: only PDF documents or JPEG, PNG or WebP images can be attached.", name=error.filename)
    if error.code == "broken":
        return _("%(name)s: the file is damaged or is not really a PDF or an image.", name=error.filename)
    if error.code == "too_large":
        return _("%(name)s: larger than %(mb)s MB.", name=error.filename, mb=error.limit)
    if error.code == "too_many":
        return _("At most %(count)s documents at a time.", count=error.limit)
    return _("This task takes no documents.")


@bp.get("/photos/<int:attachment_id>")
@login_required
def photo(attachment_id: int):
    page = casefile.photo_page(db(), current_actor(), attachment_id)
    return render_template("cases/photo.html", page=page)


@bp.get("/documents/<int:document_id>")
@login_required
def document(document_id: int):
    item = documents.staff_document(db(), current_actor(), document_id)
    response = send_from_directory(current_app.config["ATTACHMENTS_DIR"], item.storage_key,
                                   mimetype=item.content_type, as_attachment=not item.is_image,
                                   download_name=file_name(item.filename), conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


__all__ = ["attach_documents", "bp", "rejection_text"]
