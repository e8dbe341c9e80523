"""Staff documents: at *Enter result* the handling unit attaches the inspection record or the penalty decision
(PDF or images, checked by content), and they appear in the case file for staff only."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from engine.db import transaction
from engine.models import TaskDocument
from tests.factories import RESULT

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "green").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def at_result(create_case):
    return create_case(level=1, at="enter_result")


def result_form(drive, case_id: int, *files: tuple[bytes, str], **changes) -> dict:
    data = {**RESULT, "fine_amount": str(RESULT["fine_amount"]), **changes,
            "row_version": drive.case(case_id).row_version}
    if files:
        data["documents"] = [(io.BytesIO(content), name) for content, name in files]
    return data


def submit(as_user, drive, case_id: int, *files, **changes):
    item = drive.task(case_id, "enter_result")
    return as_user("ward").post(f"/cases/{case_id}/tasks/{item.task_id}", content_type="multipart/form-data",
                                data=result_form(drive, case_id, *files, **changes))


def documents_of(factory, case_id: int) -> list[TaskDocument]:
    with transaction(factory) as session:
        found = list(session.scalars(select(TaskDocument).where(TaskDocument.case_id == case_id)))
        session.expunge_all()
        return found


def stored_documents(app) -> list[Path]:
    return sorted(Path(app.config["ATTACHMENTS_DIR"]).glob("doc-*"))


def test_the_result_form_takes_documents(as_user, drive, at_result):
    item = drive.task(at_result, "enter_result")
    html = as_user("ward").get(f"/cases/{at_result}/tasks/{item.task_id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and 'name="documents"' in html


def test_a_form_without_documents_has_no_file_field(as_user, drive, create_case):
    case_id = create_case(level=1)  # at start_handling
    item = drive.task(case_id, "start_handling")
    html = as_user("ward").get(f"/cases/{case_id}/tasks/{item.task_id}").get_data(as_text=True)
    assert 'name="documents"' not in html and "multipart" not in html


def test_documents_attached_at_enter_result_are_kept_with_uploader_task_and_time(app, as_user, drive, factory,
                                                                                 clock, at_result):
    response = submit(as_user, drive, at_result, (PDF, "bien-ban-kiem-tra.pdf"), (png(), "quyet-dinh.png"))
    assert response.status_code == 302
    assert drive.task_names(at_result) == ["verify_result"]
    docs = documents_of(factory, at_result)
    assert sorted((d.filename, d.content_type, d.uploaded_by, d.task_name) for d in docs) == [
        ("bien-ban-kiem-tra.pdf", "application/pdf", "ward", "enter_result"),
        ("quyet-dinh.png", "image/png", "ward", "enter_result")]
    assert all(d.uploaded_at == clock.now() for d in docs)
    assert all(d.storage_key.startswith("doc-") and "bien-ban" not in d.storage_key for d in docs)  # random names
    assert len(stored_documents(app)) == 2


def test_the_case_file_lists_the_documents_and_serves_them_to_staff_of_the_case(as_user, drive, factory,
                                                                                at_result):
    submit(as_user, drive, at_result, (PDF, "bien-ban-kiem-tra.pdf"))
    page = as_user("inspector").get(f"/cases/{at_result}").get_data(as_text=True)
    assert 'id="documents"' in page and "bien-ban-kiem-tra.pdf" in page
    assert "Trần Thị Phường" in page  # the uploader by name
    doc = documents_of(factory, at_result)[0]
    download = as_user("inspector").get(f"/cases/documents/{doc.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    own = as_user("ward").get(f"/cases/documents/{doc.id}")
    assert own.status_code == 200  # the handling unit
    own.close()
    assert as_user("tandinh").get(f"/cases/documents/{doc.id}").status_code == 403  # another ward


def test_documents_are_never_public(as_user, browser, drive, at_result):
    submit(as_user, drive, at_result, (PDF, "bien-ban-kiem-tra.pdf"))
    code = drive.case(at_result).code
    track = browser.get(f"/track?code={code}").get_data(as_text=True)
    assert "bien-ban-kiem-tra.pdf" not in track and "/cases/documents/" not in track


def test_a_text_file_named_pdf_is_refused_with_a_clear_error_and_the_input_kept(app, as_user, drive, factory,
                                                                                at_result):
    response = submit(as_user, drive, at_result, (b"This is not a PDF at all", "quyet-dinh.pdf"),
                      findings="Biên bản kiểm tra lúc 9 giờ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-documents-error"' in html
    assert "quyet-dinh.pdf: chỉ đính kèm được văn bản PDF hoặc ảnh JPEG, PNG, WebP." in html
    assert "Biên bản kiểm tra lúc 9 giờ" in html  # the input is kept
    assert drive.task_names(at_result) == ["enter_result"]  # nothing saved
    assert documents_of(factory, at_result) == [] and stored_documents(app) == []


def test_a_truncated_pdf_is_refused(app, as_user, drive, factory, at_result):
    response = submit(as_user, drive, at_result, (PDF[:40], "bien-ban.pdf"))
    assert response.status_code == 422 and 'id="f-documents-error"' in response.get_data(as_text=True)
    assert documents_of(factory, at_result) == [] and stored_documents(app) == []


def test_files_of_a_submission_that_is_not_saved_are_deleted(app, as_user, drive, factory, at_result):
    """The documents are fine but the result is not (a fine without an amount): nothing stays behind."""
    data = result_form(drive, at_result, (PDF, "bien-ban.pdf"))
    del data["fine_amount"]
    item = drive.task(at_result, "enter_result")
    response = as_user("ward").post(f"/cases/{at_result}/tasks/{item.task_id}",
                                    content_type="multipart/form-data", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-fine_amount-error"' in html and 'id="f-documents-error"' in html  # choose the files again
    assert documents_of(factory, at_result) == [] and stored_documents(app) == []


def test_in_english_the_refusal_is_in_english(as_user, drive, at_result):
    client = as_user("ward")
    client.post("/lang/en")
    item = drive.task(at_result, "enter_result")
    response = client.post(f"/cases/{at_result}/tasks/{item.task_id}", content_type="multipart/form-data",
                           data=result_form(drive, at_result, (b"plain text", "decision.pdf")))
    assert response.status_code == 422
    assert "decision.pdf: only PDF documents or JPEG, PNG or WebP images can be attached." in \
        response.get_data(as_text=True)


def raw_multipart(fields: dict, file_header: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body as a hand-made client sends it, with the documents part's header written as given."""
    boundary = "rr-boundary-7d3"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, values in fields.items() for value in (values if isinstance(values, list) else [values])]
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"documents\"; {file_header}\r\n"
                 "Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post_raw(as_user, drive, case_id: int, file_header: str):
    item = drive.task(case_id, "enter_result")
    body, content_type = raw_multipart(result_form(drive, case_id), file_header, PDF)
    return as_user("ward").post(f"/cases/{case_id}/tasks/{item.task_id}", data=body, content_type=content_type)


def test_a_document_name_keeps_no_line_break_or_direction_control_and_the_document_downloads(
        as_user, drive, factory, at_result):
    """RFC 2231 lets a client encode any character in a file name; a line break in it would make the download's
    header impossible to send (every download of the document failed)."""
    response = post_raw(as_user, drive, at_result, "filename*=UTF-8''bi%C3%AAn%0D%0Ab%E2%80%AEan%09%01.pdf")
    assert response.status_code == 302
    (doc,) = documents_of(factory, at_result)
    assert doc.filename == "biênban.pdf"
    download = as_user("inspector").get(f"/cases/documents/{doc.id}")
    assert download.status_code == 200 and download.data == PDF
    assert "bi%C3%AAnban.pdf" in download.headers["Content-Disposition"]
    download.close()


def test_a_document_stored_with_a_line_break_in_its_name_before_still_downloads(as_user, drive, factory,
                                                                                 at_result):
    submit(as_user, drive, at_result, (PDF, "bien-ban.pdf"))
    (doc,) = documents_of(factory, at_result)
    with transaction(factory) as session:
        session.get(TaskDocument, doc.id).filename = "bien\r\nban.pdf"
    download = as_user("inspector").get(f"/cases/documents/{doc.id}")
    assert download.status_code == 200 and download.headers["Content-Disposition"] == "attachment; filename=bienban.pdf"
    download.close()


def test_a_document_part_whose_header_a_client_broke_is_refused_never_dropped(app, as_user, drive, factory,
                                                                              at_result):
    """A raw line break inside the quoted name ends the part's header early: the file arrives as a text field.
    The submission is refused (nothing saved) instead of completing the task without the document."""
    response = post_raw(as_user, drive, at_result, 'filename="bien\r\nX-Evil: 1.pdf"')
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-documents-error"' in html and "Một tệp gửi đến bị hỏng" in html
    assert drive.task_names(at_result) == ["enter_result"]
    assert documents_of(factory, at_result) == [] and stored_documents(app) == []


def test_files_sent_to_a_task_that_takes_no_documents_are_refused_never_dropped(app, as_user, drive, factory,
                                                                               create_case):
    """The form offers no file field, but a crafted request sends one: the task stays open and says why."""
    case_id = create_case(level=1)  # at start_handling: its form takes no documents
    item = drive.task(case_id, "start_handling")
    for plan in ("Kiểm tra cơ sở vào sáng mai", ""):  # a complete form, and one refused for its own fields too
        response = as_user("ward").post(f"/cases/{case_id}/tasks/{item.task_id}",
                                        content_type="multipart/form-data",
                                        data={"row_version": drive.case(case_id).row_version, "handling_plan": plan,
                                              "documents": [(io.BytesIO(PDF), "bien-ban.pdf")]})
        assert response.status_code == 422
        assert "Bước này không nhận tài liệu đính kèm." in response.get_data(as_text=True)
    assert drive.task_names(case_id) == ["start_handling"]
    assert documents_of(factory, case_id) == [] and stored_documents(app) == []


def test_a_document_that_does_not_exist_is_a_404_in_the_pages_language(as_user):
    response = as_user("ward").get("/cases/documents/999999")
    assert response.status_code == 404 and "Tài liệu này không tồn tại" in response.get_data(as_text=True)
