"""The studio's problems and a case's failing diagram code, in one language at a time: what the restricted evaluator
and the XML parser report (an unknown name, a forbidden call, a syntax error, broken XML, a budget overrun) reads as
Vietnamese on Vietnamese pages and as English on English ones, in the HTML pages and in the JSON answers."""
from __future__ import annotations

import re

import pytest

from engine import studio, versions
from engine.db import transaction
from tests.factories import deploy_main_changed
from tests.webui.test_incidents import DEADLINE_LINE, task_url
from tests.webui.test_one_language import other_language_words, user_data, visible_text, without
from tests.webui.test_studio import MAIN_FILE, ORIGINAL, SCREENING_4H

DEADLINES = "deadlines.dmn"
# (what the owner wrote, the diagram or table changed, the Vietnamese and the English text of its problem)
DRAFTS = {
    "unknown name in a table's condition": (
        DEADLINES, ("<text>level</text>", "<text>levle</text>"),
        "mức 1: tên 'levle' chưa được định nghĩa", "level 1: name 'levle' is not defined"),
    "forbidden call in a condition": (
        MAIN_FILE, (">level == 3<", ">open('x') == 3<"),
        "điều kiện: không được gọi hàm 'open'", "condition: function 'open' is not allowed"),
    "syntax error in a script": (
        MAIN_FILE, (SCREENING_4H, "screening_hours = (4"),
        "lỗi cú pháp: '(' chưa được đóng", "syntax error at column 19: '(' was never closed"),
    "budget overrun in a script": (
        MAIN_FILE, (SCREENING_4H, "screening_hours = 4 if 'ab' * 60000 else 3"),
        "kết quả quá lớn (hơn 100000 ký tự và phần tử)", "result too large (more than 100000 characters"),
    "a start that fails on every report": (
        MAIN_FILE, (SCREENING_4H, "screening_hours = 4 / (4 - 4)"),
        "không bắt đầu được hồ sơ hoặc phiên giao ban mới: chạy thử với dữ liệu mẫu, quy trình dừng lại ở đây: "
        "dòng 2: chia cho 0",
        "a new case or briefing cannot start: on sample data the process stops here: line 2: division by zero"),
}


def in_language(client, language: str):
    client.post(f"/lang/{language}")
    return client


def draft_with(factory, filename: str, change: tuple[str, str]) -> int:
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session))
        text = draft.bundle["dmn" if filename.endswith(".dmn") else "bpmn"][filename]
        assert change[0] in text
        save = studio.save_table if filename.endswith(".dmn") else studio.save_diagram
        save(session, "owner", draft, filename, text.replace(change[0], change[1], 1))
        return draft.id


def words_of_the_other_language(text: str, language: str, factory) -> list[str]:
    """Words of the other language, besides data (people's names, what the owner wrote himself: quoted code such
    as 'open' or 'levle', the process id); each found word comes with the text around it."""
    text = re.sub(r"'[^']*'", " ", without(text, *user_data(factory)).replace("rapid_response", " "))
    return [f"{word}: …{text[max(text.find(word) - 80, 0):text.find(word) + 40]}…"
            for word in other_language_words(text, language)]


@pytest.mark.parametrize("kind", DRAFTS)
def test_a_drafts_evaluator_problem_is_in_the_pages_language(as_user, factory, kind):
    filename, change, vietnamese, english = DRAFTS[kind]
    draft = draft_with(factory, filename, change)
    owner = as_user("owner")
    for language, expected in (("vi", vietnamese), ("en", english)):
        page = in_language(owner, language).get(f"/studio/drafts/{draft}/deploy")
        text = visible_text(page.get_data())
        assert expected in text, (language, text)
        assert words_of_the_other_language(text, language, factory) == []
        body = ORIGINAL.replace(*change, 1) if filename == MAIN_FILE else ORIGINAL  # the editor's XML
        checked = owner.post(f"/studio/drafts/{draft}/validate?file={MAIN_FILE}", data=body.encode(),
                             content_type="application/xml")
        messages = " ".join(p["message"] for p in checked.json["problems"])
        assert expected in messages, (language, messages)
        assert words_of_the_other_language(messages, language, factory) == []


def test_broken_xml_is_named_by_line_and_column_in_the_pages_language(as_user, factory):
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session)).id
    owner = as_user("owner")
    broken = ORIGINAL.replace("</bpmn:process>", "</bpmn:proces>", 1).encode()
    for language, expected in (("vi", ("XML không đúng cú pháp", "Dòng ", "cột ")),
                               ("en", ("not well-formed XML", "Line ", "column "))):
        for url, body in ((f"/studio/drafts/{draft}/validate", broken), (f"/studio/drafts/{draft}/diagram", broken),
                          (f"/studio/drafts/{draft}/tables/{DEADLINES}", b"<definitions>"),
                          (f"/studio/drafts/{draft}/tables/{DEADLINES}/validate", b"<definitions>")):
            answer = in_language(owner, language).post(url, data=body, content_type="application/xml",
                                                       headers={"Accept": "application/json"})
            messages = " ".join(p["message"] for p in answer.json["problems"])
            assert all(part in messages for part in expected), messages  # the editor's check answers 200
            assert words_of_the_other_language(f"{messages} {answer.json.get('error', '')}", language, factory) == []


def deploy_with_deadline_script(factory, line: str) -> None:
    deploy_main_changed(factory, DEADLINE_LINE, line)


def classify(as_user, drive, case_id: int, language: str):
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    return in_language(as_user("intake"), language).post(task_url(drive.task(case_id, "classify")),
                                                          data={"level": "1", "handling_unit": "ward-ben-thanh"})


def test_a_script_over_its_budget_on_a_cases_data_is_an_incident_the_admin_reads_in_vietnamese(as_user, drive,
                                                                                              factory):
    deploy_with_deadline_script(factory, "deadline_at = hours_after(received_at, sla_hours if "
                                         "report['facility_name'] * 20000 else 1)")
    case_id = drive.report(facility_name="Thẩm mỹ viện Ngọc Lan")  # 21 characters: 420,000 once repeated
    refused = classify(as_user, drive, case_id, "vi")
    assert refused.status_code == 422
    page = visible_text(refused.get_data())
    assert "dòng 1: kết quả quá lớn (hơn 100000 ký tự và phần tử)" in page
    assert words_of_the_other_language(page, "vi", factory) == []
    code = drive.case(case_id).code
    admin = as_user("admin")
    for language, expected in (("vi", "Quy trình vượt quá giới hạn cho phép đối với sơ đồ: dòng 1: kết quả quá lớn"),
                               ("en", "The procedure went over a limit on diagrams: line 1: result too large")):
        html = in_language(admin, language).get("/admin/incidents").get_data(as_text=True)
        assert f'data-case-code="{code}"' in html
        text = visible_text(html)
        assert expected in text, text
        assert words_of_the_other_language(text.replace(code, " "), language, factory) == []


def test_a_script_failing_on_a_cases_data_tells_the_person_why_in_the_pages_language(as_user, drive, factory):
    deploy_with_deadline_script(factory, "deadline_at = hours_after(received_at, sla_hours + "
                                         "1 / (report['facility_name'] != 'Ngọc Lan'))")
    for language, expected in (("vi", "dòng 1: chia cho 0"), ("en", "line 1: division by zero")):
        case_id = drive.report(facility_name="Ngọc Lan")
        refused = classify(as_user, drive, case_id, language)
        assert refused.status_code == 422
        text = visible_text(refused.get_data())
        assert expected in text and ("Quy trình không thể tiếp tục" if language == "vi" else
                                     "The procedure could not continue") in text
        assert words_of_the_other_language(text, language, factory) == []
        assert drive.task_names(case_id) == ["classify"]  # nothing of the step was saved
