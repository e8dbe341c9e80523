"""Report files: allowed types recognised by content, size and count limits, metadata-free public copies."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from engine import attachments
from engine.attachments import AttachmentStore, Upload, public_key
from engine.errors import ValidationError


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "blue").save(out, format="PNG")
    return out.getvalue()


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def test_photos_and_videos_are_stored_under_random_names(tmp_path):
    store = AttachmentStore(tmp_path)
    saved = store.save_all([Upload("../../etc/passwd.png", io.BytesIO(png())), Upload("clip.mp4", io.BytesIO(MP4))])
    assert [s.content_type for s in saved] == ["image/png", "video/mp4"]
    assert saved[0].filename == "passwd.png"  # only the last part of a name is kept, and only for display
    assert all((tmp_path / s.storage_key).is_file() for s in saved)
    assert (tmp_path / public_key(saved[0].storage_key)).is_file()  # photos get a clean public copy
    assert not (tmp_path / public_key(saved[1].storage_key)).exists()  # videos are never published


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_VIDEO_BYTES", 1000)
    store = AttachmentStore(tmp_path)
    with pytest.raises(ValidationError) as error:
        store.save_all([Upload("a.png", io.BytesIO(png())), Upload("big.mp4", io.BytesIO(MP4 + b"\x00" * 2000))])
    assert "big.mp4" in error.value.errors["files"]
    assert list(tmp_path.iterdir()) == []


def test_too_many_files_are_refused(tmp_path):
    uploads = [Upload(f"{i}.png", io.BytesIO(png())) for i in range(attachments.MAX_FILES + 1)]
    with pytest.raises(ValidationError):
        AttachmentStore(tmp_path).save_all(uploads)


@pytest.mark.parametrize("content", [b"<html><script>alert(1)</script>", b"%PDF-1.7 ...", b"MZ\x90\x00", b""])
def test_other_content_is_refused_whatever_the_name(tmp_path, content):
    with pytest.raises(ValidationError):
        AttachmentStore(tmp_path).save_all([Upload("photo.jpg", io.BytesIO(content))])


def test_an_image_bomb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PIXELS", 100)
    with pytest.raises(ValidationError) as error:
        AttachmentStore(tmp_path).save_all([Upload("bomb.png", io.BytesIO(png()))])
    assert "bomb.png" in error.value.errors["files"]
    assert list(tmp_path.iterdir()) == []


def test_storage_keys_cannot_leave_the_folder(tmp_path):
    with pytest.raises(ValueError):
        AttachmentStore(tmp_path).path("../secret")
