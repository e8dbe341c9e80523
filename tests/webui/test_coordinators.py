"""Agency coordinators in the web layer: their list of invited cases (current and past, from the navigation),
documents with their findings and answers (checked by content), read only once the case is closed, and never
the reporter's identity — whichever way the report came in (web portal, Open311, anonymous)."""
from __future__ import annotations

import io
import re
import zipfile

import lxml.html
import pytest
from sqlalchemy import func, select, update

from engine import cases, citizen
from engine.db import transaction
from engine.errors import PermissionDenied
from engine.models import Case, CaseNote, OutboxEmail, User
from engine.models_documents import TaskDocument
from tests.engine.test_level3_scenarios import ACK, FINISH, contribute
from tests.engine.test_scenarios import ACCEPT, RESULT, SCREEN_IN, classify

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PORTAL_REPORT = {"category": "cosmetic_surgery", "description": "Lớp dạy tiêm filler không phép mỗi tối.",
                 "facility_name": "Học viện Thẩm mỹ Ánh Dương", "address": "12 Lê Lợi", "ward": "ward-ben-thanh"}
OPEN311_REPORT = {"service_code": "cosmetic_surgery", "description": "Lớp dạy tiêm filler không phép mỗi tối.",
                  "address_string": "12 Lê Lợi", "attribute[ward]": "ward-ben-thanh",
                  "attribute[facility_name]": "Học viện Thẩm mỹ Ánh Dương"}


@pytest.fixture(autouse=True)
def _generous_submit_limit(monkeypatch):
    monkeypatch.setenv("RR_LIMIT_SUBMIT", "100/minute")


def case_by_code(factory, code: str) -> int:
    with transaction(factory) as session:
        return session.scalar(select(Case.id).where(Case.code == code))


def by_portal(client, factory, contact: dict[str, str]) -> int:
    response = client.post("/report", data={**PORTAL_REPORT, "submission_key": "k-coord", **contact},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    html = client.get("/report/done").get_data(as_text=True)
    return case_by_code(factory, re.search(r'id="tracking-code">([A-Z0-9-]+)<', html).group(1))


def by_open311(client, factory, contact: dict[str, str]) -> int:
    with transaction(factory) as session:
        key = citizen.register_client(session, "city-portal", "tests")
    response = client.post("/open311/v2/requests.json", data={"api_key": key, **OPEN311_REPORT, **contact})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return case_by_code(factory, response.get_json()[0]["service_request_id"])


# channel → how the report is sent, what the reporter typed, the texts that identify them
CHANNELS = {
    "portal": (by_portal, {"name": "Trần Văn Bí Mật", "phone": "0903 111 222", "email": "bi.mat@example.org"},
               ("Trần Văn Bí Mật", "0903 111 222", "0903111222", "bi.mat@example.org")),
    "open311": (by_open311, {"first_name": "Hằng", "last_name": "Vương Thị", "phone": "0903 555 777",
                             "email": "hang.secret@example.org"},
                ("Vương Thị Hằng", "Hằng Vương Thị", "0903 555 777", "0903555777", "hang.secret@example.org")),
    "anonymous": (by_portal, {"anonymous": "1", "name": "Người Ẩn Danh", "phone": "0903 999 000",
                              "email": "an.danh@example.org"},
                  ("Người Ẩn Danh", "0903 999 000", "0903999000", "an.danh@example.org")),
}


def to_coordination(drive, case_id: int, agencies: list[str]) -> None:
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", classify(3, "inspectorate", agencies))
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra liên ngành"})


def task_url(drive, case_id: int, name: str, unit: str | None = None) -> str:
    return f"/cases/{case_id}/tasks/{drive.task(case_id, name, unit).task_id}"


def xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return " ".join(book.read(name).decode("utf-8", "replace") for name in book.namelist()
                        if name.endswith(".xml"))


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_a_coordinator_never_sees_the_reporters_identity_on_any_page_of_the_case(channel, app, as_user, drive,
                                                                                 factory):
    send, contact, secrets = CHANNELS[channel]
    with transaction(factory) as session:  # the agency's e-mails are read too
        session.execute(update(User).where(User.username == "police").values(email="police@example.org"))
    case_id = send(app.test_client(), factory, contact)
    to_coordination(drive, case_id, ["police"])
    police = as_user("police")
    police.post(task_url(drive, case_id, "acknowledge_request", "police"),
                data={**ACK, "row_version": drive.case(case_id).row_version})
    findings = task_url(drive, case_id, "contribute_findings", "police")
    pages = {"inbox": police.get("/inbox/"), "list": police.get("/cases/"),
             "case": police.get(f"/cases/{case_id}"), "task": police.get(findings),
             "print": police.get(f"/cases/{case_id}/print"), "csv": police.get("/cases/export.csv"),
             "notifications": police.get("/notifications/"),
             "diagram": police.get(f"/cases/{case_id}/diagram-state.json")}
    done = police.post(findings, data={"agency_findings": "Cơ sở không có giấy phép đào tạo",
                                       "urgent_phone_contact": "false", "row_version": drive.case(case_id).row_version,
                                       "documents": (io.BytesIO(PDF), "bien-ban-cong-an.pdf")},
                       content_type="multipart/form-data")
    assert done.status_code == 302
    pages["case with document"] = police.get(f"/cases/{case_id}")
    pages["case list, past and current"] = police.get("/cases/?period=current")
    xlsx = police.get("/cases/export.xlsx")
    for name, response in pages.items():
        assert response.status_code == 200, f"{channel}: {name} answered {response.status_code}"
        text = response.get_data(as_text=True)
        assert "Học viện Thẩm mỹ Ánh Dương" in text or name in ("inbox", "notifications", "diagram", "task")
        for secret in secrets:
            assert secret not in text, f"{channel}: the reporter's {secret!r} is on the coordinator's {name} page"
    assert xlsx.status_code == 200
    with transaction(factory) as session:
        mails = [f"{m.subject}\n{m.body}" for m in session.scalars(
            select(OutboxEmail).where(OutboxEmail.to_addr == "police@example.org"))]
    assert mails, "the police were sent no e-mail about the case"
    for secret in secrets:
        assert secret not in xlsx_text(xlsx.data)
        assert not [m for m in mails if secret in m], f"{channel}: the reporter's {secret!r} in a mail to the police"
    if channel != "anonymous":  # the identity is in the case: intake sees it, so the checks above can fail
        assert secrets[0] in as_user("intake").get(f"/cases/{case_id}").get_data(as_text=True) or \
            secrets[1] in as_user("intake").get(f"/cases/{case_id}").get_data(as_text=True)


def test_coordinators_reach_their_agencys_cases_from_the_navigation_current_and_past(as_user, drive, factory):
    current, past, other = drive.report(), drive.report(), drive.report()
    for case_id in (current, past):
        to_coordination(drive, case_id, ["police"])
    to_coordination(drive, other, ["market-mgmt"])
    drive.do("police", past, "acknowledge_request", ACK, unit="police")
    drive.do("police", past, "contribute_findings", contribute(), unit="police")
    drive.do("inspectorate", past, "coordinate", FINISH)
    drive.do("inspectorate", past, "enter_result", RESULT)
    drive.do("inspector", past, "verify_result", ACCEPT)
    drive.do_as_citizen(past, {"resolved": True, "rating": 5})
    assert drive.case(past).status == "closed"
    police = as_user("police")
    inbox = lxml.html.fromstring(police.get("/inbox/").get_data(as_text=True))
    assert inbox.xpath("//nav//a[@href='/cases/']"), "no Cases link in the coordinator's navigation"

    def listed(query: str = "") -> list[str]:
        page = lxml.html.fromstring(police.get(f"/cases/{query}").get_data(as_text=True))
        return [row.get("data-case-code") for row in page.xpath("//table[@id='cases-table']//tr[@data-case-code]")]

    code = {case_id: drive.case(case_id).code for case_id in (current, past, other)}
    assert sorted(listed()) == sorted([code[current], code[past]])  # never the other agency's case
    assert listed("?period=current") == [code[current]]
    assert listed("?period=past") == [code[past]]
    page = lxml.html.fromstring(police.get("/cases/?period=past").get_data(as_text=True))
    assert page.get_element_by_id("agency-scope") is not None
    assert [a.get("data-period") for a in page.xpath("//ul[@id='period-tabs']//a[@aria-current='page']")] == ["past"]


def test_a_coordinator_attaches_documents_to_findings_and_answers_checked_by_their_content(as_user, drive):
    case_id = drive.report()
    to_coordination(drive, case_id, ["market-mgmt"])
    drive.do("inspectorate", case_id, "coordinate",
             {"action": "information_request", "request_agency": "market-mgmt",
              "request_question": "Cung cấp hồ sơ nhập hàng", "answer_hours": 24})
    market = as_user("market")
    answer = task_url(drive, case_id, "answer_information_request", "market-mgmt")
    assert 'id="f-documents"' in market.get(answer).get_data(as_text=True)
    refused = market.post(answer, data={"request_answer": "Không có hóa đơn", "answered_by": "Ông B",
                                        "row_version": drive.case(case_id).row_version,
                                        "documents": (io.BytesIO(b"just text, no PDF"), "hoa-don.pdf")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="f-documents-error"' in html and "hoa-don.pdf" in html and "Không có hóa đơn" in html  # input kept
    assert "answer_information_request" in drive.task_names(case_id)  # nothing was saved
    saved = market.post(answer, data={"request_answer": "Không có hóa đơn", "answered_by": "Ông B",
                                      "row_version": drive.case(case_id).row_version,
                                      "documents": (io.BytesIO(PDF), "ho-so-nhap-hang.pdf")},
                        content_type="multipart/form-data")
    assert saved.status_code == 302
    drive.do("market", case_id, "acknowledge_request", ACK, unit="market-mgmt")
    findings = task_url(drive, case_id, "contribute_findings", "market-mgmt")
    market.post(findings, data={"agency_findings": "Hàng không rõ nguồn gốc", "urgent_phone_contact": "false",
                                "row_version": drive.case(case_id).row_version,
                                "documents": (io.BytesIO(PDF), "bien-ban-qltt.pdf")},
                content_type="multipart/form-data")
    documents = lxml.html.fromstring(as_user("inspectorate").get(f"/cases/{case_id}").get_data(as_text=True)
                                     ).get_element_by_id("documents").text_content()
    assert "ho-so-nhap-hang.pdf" in documents and "bien-ban-qltt.pdf" in documents
    assert "hoa-don.pdf" not in documents
    with transaction(drive.factory) as session:
        rows = session.execute(select(TaskDocument.task_name, TaskDocument.uploaded_by)
                               .where(TaskDocument.case_id == case_id).order_by(TaskDocument.id)).all()
    assert [tuple(r) for r in rows] == [("answer_information_request", "market"), ("contribute_findings", "market")]


def closed_level_3(drive) -> int:
    case_id = drive.report()
    to_coordination(drive, case_id, ["police"])
    drive.do("police", case_id, "acknowledge_request", ACK, unit="police")
    drive.do("police", case_id, "contribute_findings", contribute(), unit="police")
    drive.do("inspectorate", case_id, "coordinate", FINISH)
    drive.do("inspectorate", case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", ACCEPT)
    drive.do_as_citizen(case_id, {"resolved": True, "rating": 4})
    return case_id


def note_count(factory, case_id: int) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(CaseNote).where(CaseNote.case_id == case_id))


def test_once_the_case_is_closed_a_coordinator_reads_it_but_changes_nothing(as_user, drive, factory):
    case_id = drive.report()
    to_coordination(drive, case_id, ["police"])
    police = as_user("police")
    old_link = task_url(drive, case_id, "acknowledge_request", "police")
    page = police.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="read-only"' not in page and 'id="note-body"' in page  # while the case runs they take part
    drive.do("police", case_id, "acknowledge_request", ACK, unit="police")
    drive.do("police", case_id, "contribute_findings", contribute(), unit="police")
    drive.do("inspectorate", case_id, "coordinate", FINISH)
    drive.do("inspectorate", case_id, "enter_result", RESULT)
    drive.do("inspector", case_id, "verify_result", ACCEPT)
    drive.do_as_citizen(case_id, {"resolved": True, "rating": 4})

    page = police.get(f"/cases/{case_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="read-only"' in html and "Chỉ xem" in html
    assert 'id="note-body"' not in html and 'id="agency-panel"' in html  # still readable, in full
    before = note_count(factory, case_id)
    refused = police.post(f"/cases/{case_id}/notes", data={"body": "Bổ sung sau khi đóng"}, follow_redirects=True)
    assert refused.status_code == 200 and "Chỉ xem" in refused.get_data(as_text=True)
    assert note_count(factory, case_id) == before
    stale = police.get(old_link, follow_redirects=True)  # a task link from an old notification
    assert stale.status_code == 200 and "Chỉ xem" in stale.get_data(as_text=True)
    posted = police.post(old_link, data={**ACK, "documents": (io.BytesIO(PDF), "muon.pdf")},
                         content_type="multipart/form-data")
    assert posted.status_code == 302
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(TaskDocument)
                              .where(TaskDocument.case_id == case_id)) == 0
    intake = as_user("intake")  # staff who see every case still add notes
    intake.post(f"/cases/{case_id}/notes", data={"body": "Lưu hồ sơ"})
    assert note_count(factory, case_id) == before + 1


def test_the_engine_refuses_a_coordinators_note_on_a_closed_case_or_one_not_invited_to(drive, factory):
    case_id = closed_level_3(drive)
    with transaction(factory) as session:
        case = cases.get_case(session, case_id)
        police = drive.actor("police")
        assert cases.coordinator_read_only(police, case)
        with pytest.raises(PermissionDenied):
            cases.add_note(session, police, case_id, "Ghi chú muộn")
        assert not cases.coordinator_read_only(drive.actor("inspectorate"), case)
        case.status = "in_handling"
        assert not cases.coordinator_read_only(police, case)
        case.agencies = ["market-mgmt"]  # e.g. its agency merged away: no longer invited
        assert cases.coordinator_read_only(police, case)
        session.rollback()
