"""Photos and videos sent with reports: type checked by content (not by name), size limited, images stored
twice — the original (evidence, staff only) and a public copy re-encoded without metadata (no EXIF/GPS)."""
from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ValidationError
from .messages import t
from .unseen import file_name

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
VIDEO_TYPES = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 60 * 1024 * 1024
MAX_FILES = 6
MAX_PIXELS = 40_000_000  # refuse decompression bombs
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: its name (only for display) and a readable stream."""

    filename: str
    stream: BinaryIO


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size: int
    storage_key: str


def public_key(storage_key: str) -> str:
    """The key of the metadata-free public copy of an image."""
    return f"public-{storage_key}"


class AttachmentStore:
    """Files in one folder, named by random keys (never by what the sender called them)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def save_all(self, uploads: list[Upload]) -> list[StoredFile]:
        """Check and store every upload; on any problem nothing is kept and the error names the file."""
        uploads = [u for u in uploads if u.filename]
        if len(uploads) > MAX_FILES:
            raise ValidationError(t("too_many_files", limit=MAX_FILES), {"files": t("too_many_files", limit=MAX_FILES)})
        stored: list[StoredFile] = []
        try:
            for upload in uploads:
                stored.append(self._save(upload))
        except Exception:
            self.delete([s.storage_key for s in stored])
            raise
        return stored

    def write(self, key: str, head: bytes, stream: BinaryIO, limit: int, too_large: Callable[[], Exception]) -> int:
        """Stream `head`, then the rest of `stream`, into a new file `key`; more than `limit` bytes raise
        `too_large()` (the caller deletes what was written). Returns the size."""
        self.root.mkdir(parents=True, exist_ok=True)
        size = 0
        with self.path(key).open("xb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise too_large()
                out.write(chunk)
                chunk = stream.read(CHUNK)
        return size

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            for name in (key, public_key(key)):
                self.path(name).unlink(missing_ok=True)

    def _save(self, upload: Upload) -> StoredFile:
        name = file_name(upload.filename)
        head = upload.stream.read(8192)
        kind = filetype.guess(head)
        mime = kind.mime if kind else None
        if mime not in IMAGE_TYPES and mime not in VIDEO_TYPES:
            raise ValidationError(t("file_type", name=name), {"files": t("file_type", name=name)})
        limit = MAX_IMAGE_BYTES if mime in IMAGE_TYPES else MAX_VIDEO_BYTES
        ext = IMAGE_TYPES.get(mime) or VIDEO_TYPES[mime]
        key = f"{secrets.token_hex(16)}.{ext}"
        target = self.path(key)

        def too_large() -> Exception:
            problem = t("file_too_large", name=name, limit=limit // (1024 * 1024))
            return ValidationError(problem, {"files": problem})

        try:
            size = self.write(key, head, upload.stream, limit, too_large)
            if mime in IMAGE_TYPES:
                self._public_copy(target, self.path(public_key(key)), name)
        except Exception:
            self.delete([key])
            raise
        return StoredFile(name, mime, size, key)

    @staticmethod
    def _public_copy(source: Path, target: Path, name: str) -> None:
        """Decode the image fully (proves it is one) and re-encode it without any metadata."""
        try:
            with Image.open(source) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationError(t("image_too_large", name=name), {"files": t("image_too_large", name=name)})
                image = ImageOps.exif_transpose(image)  # keep the orientation, drop the rest
                clean = image.convert("RGB")
                buffer = io.BytesIO()
                clean.save(buffer, format="JPEG", quality=85)
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
            raise ValidationError(t("image_broken", name=name), {"files": t("image_broken", name=name)}) from exc
        target.write_bytes(buffer.getvalue())
