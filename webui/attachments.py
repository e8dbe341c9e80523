"""The attachment store of the running app (folder from RR_ATTACHMENTS_DIR)."""
from __future__ import annotations

from flask import current_app

from engine.attachments import AttachmentStore


def store() -> AttachmentStore:
    return AttachmentStore(current_app.config["ATTACHMENTS_DIR"])
