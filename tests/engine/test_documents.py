"""Task documents: PDFs and images recognised by content (a renamed text file or a cut-off PDF is refused), size
and count limits, nothing kept on a refusal; recorded only for an open task whose form accepts documents, and
read only through a case the actor may see."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from engine import documents
from engine.attachments import Upload
from engine.db import transaction
from engine.documents import DocumentRejected, DocumentStore
from engine.errors import PermissionDenied

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), "orange").save(out, format=kind)
    return out.getvalue()


def test_pdfs_and_images_are_stored_under_random_names(tmp_path):
    saved = DocumentStore(tmp_path).save_documents([
        Upload("bien-ban.pdf", io.BytesIO(PDF)), Upload("anh.jpg", io.BytesIO(image("JPEG"))),
        Upload("anh.png", io.BytesIO(image("PNG"))), Upload("anh.webp", io.BytesIO(image("WEBP")))])
    assert [s.content_type for s in saved] == ["application/pdf", "image/jpeg", "image/png", "image/webp"]
    assert all(s.storage_key.startswith("doc-") and (tmp_path / s.storage_key).is_file() for s in saved)
    assert len({s.storage_key for s in saved}) == 4


@pytest.mark.parametrize("content, name, code", [
    (b"Quyet dinh xu phat so 12", "quyet-dinh.pdf", "type"),  # a text file renamed to .pdf
    (PDF[:30], "cut-off.pdf", "broken"),  # starts like a PDF, never ends like one
    (image("PNG")[:60], "half.png", "broken"),  # an image that does not decode
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "clip.pdf", "type"),  # a video is no document
    (b"", "empty.pdf", "type"),
])
def test_files_that_are_not_really_pdfs_or_images_are_refused(tmp_path, content, name, code):
    with pytest.raises(DocumentRejected) as refused:
        DocumentStore(tmp_path).save_documents([Upload("ok.pdf", io.BytesIO(PDF)), Upload(name, io.BytesIO(content))])
    assert refused.value.code == code and refused.value.filename == name
    assert name in refused.value.errors["documents"]
    assert list(tmp_path.iterdir()) == []  # the good one is not kept either


def test_size_and_count_are_limited(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 100)
    with pytest.raises(DocumentRejected) as refused:
        DocumentStore(tmp_path).save_documents([Upload("big.pdf", io.BytesIO(PDF + b" " * 200))])
    assert refused.value.code == "too_large"
    with pytest.raises(DocumentRejected) as refused:
        DocumentStore(tmp_path).save_documents([Upload(f"{n}.pdf", io.BytesIO(PDF)) for n in range(11)])
    assert refused.value.code == "too_many" and refused.value.limit == 10
    assert list(tmp_path.iterdir()) == []


def test_documents_are_recorded_only_for_a_task_that_takes_them(factory, drive, create_case, tmp_path):
    case_id = create_case(level=1)  # at start_handling: its form takes no documents
    stored = DocumentStore(tmp_path).save_documents([Upload("bien-ban.pdf", io.BytesIO(PDF))])
    with transaction(factory) as session, pytest.raises(DocumentRejected) as refused:
        documents.attach_to_task(session, drive.actor("ward"), case_id, drive.task(case_id, "start_handling").task_id,
                                 stored)
    assert refused.value.code == "not_accepted"
    drive.do("ward", case_id, "start_handling", {"handling_plan": "Kiểm tra"})
    result_task = drive.task(case_id, "enter_result").task_id
    with transaction(factory) as session, pytest.raises(PermissionDenied):
        documents.attach_to_task(session, drive.actor("tandinh"), case_id, result_task, stored)  # not their case
    with transaction(factory) as session:
        [doc] = documents.attach_to_task(session, drive.actor("ward"), case_id, result_task, stored)
        assert (doc.task_name, doc.uploaded_by, doc.uploaded_at) == ("enter_result", "ward", drive.clock.now())
        doc_id = doc.id
    with transaction(factory) as session:
        assert documents.staff_document(session, drive.actor("inspector"), doc_id).filename == "bien-ban.pdf"
        assert [d.id for d in documents.case_documents(session, case_id)] == [doc_id]
        with pytest.raises(PermissionDenied):
            documents.staff_document(session, drive.actor("tandinh"), doc_id)
