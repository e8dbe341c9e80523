"""The attachment store of the running app (folder from RR_ATTACHMENTS_DIR), tied to the request's unit of work:
files saved for a request whose work is rolled back are deleted again (no orphans without a case)."""
from __future__ import annotations

from flask import current_app

from engine.attachments import AttachmentStore, StoredFile, Upload

from .db import after_rollback


class RequestStore(AttachmentStore):
    def save_all(self, uploads: list[Upload]) -> list[StoredFile]:
        stored = super().save_all(uploads)
        keys = [s.storage_key for s in stored]
        if keys:
            after_rollback(lambda: self.delete(keys))
        return stored


def store() -> AttachmentStore:
    return RequestStore(current_app.config["ATTACHMENTS_DIR"])
