"""The studio's files: hostile and broken diagram uploads never get in, an upload downloads unchanged, and a decision
table with a problem is kept in the draft but never deployed."""
from __future__ import annotations

import json
import os
import re
import time

import pytest
from sqlalchemy import func, select

from engine import versions
from engine.db import transaction
from engine.models import ProcessVersion
from tests.webui.conftest import text_of
from tests.webui.studio_helpers import (
    LEVEL_1_CELL,
    MAIN_FILE,
    ORIGINAL,
    active_id,
    confirmation,
    deploy,
    draft_bundle,
    saved_diagrams,
    upload,
)

# --- hostile and broken uploads ------------------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&xxe;</bpmn:definitions>"""
LAUGHS = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
    f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'.encode() for i in range(1, 10)
) + b"]>\n<lolz>&lol9;</lolz>"
DEEP = b"<a>" * 5000 + b"</a>" * 5000


@pytest.mark.parametrize(("name", "content"), [
    ("xxe", XXE),
    ("billion-laughs", LAUGHS),
    ("deeply-nested", DEEP),
    ("random-bytes", os.urandom(4096)),
    ("latin-1", ORIGINAL.replace("Quy trình", "Quy tr\u00ecnh").encode("latin-1", errors="replace")),
    ("empty", b""),
    ("not-xml", b"just some text, not a diagram"),
    ("xml-but-not-bpmn", b'<?xml version="1.0"?><invoice><total>5</total></invoice>'),
])
def test_hostile_or_broken_uploads_are_refused_and_nothing_is_stored(as_user, factory, draft_id, name, content):
    started = time.monotonic()
    response = upload(as_user("owner"), draft_id, content)
    assert response.status_code == 422, name
    assert time.monotonic() - started < 5, f"{name} took too long"
    assert 'id="error-message"' in response.get_data(as_text=True)
    assert "passwd" not in response.get_data(as_text=True) or name != "xxe"
    assert draft_bundle(factory, draft_id)["bpmn"] == {MAIN_FILE: ORIGINAL}
    assert saved_diagrams(factory) == 0


def test_a_doctype_is_refused_with_its_reason(as_user, draft_id):
    text = text_of(upload(as_user("owner"), draft_id, XXE))
    assert "DOCTYPE" in text


def test_a_file_larger_than_a_diagram_may_be_is_refused(as_user, factory, draft_id):
    big = ORIGINAL.replace("</bpmn:definitions>", "<!--" + "x" * (3 * 1024 * 1024) + "--></bpmn:definitions>")
    response = upload(as_user("owner"), draft_id, big.encode())
    assert response.status_code in (413, 422)
    assert draft_bundle(factory, draft_id)["bpmn"] == {MAIN_FILE: ORIGINAL}
    response = as_user("owner").post(f"/studio/drafts/{draft_id}/diagram", data=big.encode(),
                                     content_type="application/xml")
    assert response.status_code in (413, 422)
    assert saved_diagrams(factory) == 0


def test_a_diagram_running_code_in_a_condition_is_stored_but_never_deployed(as_user, factory, draft_id):
    owner = as_user("owner")
    hostile = ORIGINAL.replace(">level == 3<", ">__import__('os').system('x')<")
    response = upload(owner, draft_id, hostile.encode())
    assert response.status_code == 302
    assert draft_bundle(factory, draft_id)["bpmn"][MAIN_FILE] == hostile
    refused = deploy(owner, draft_id, "x")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="deploy-refused"' in html
    problems = json.loads(re.search(r'<script type="application/json" id="initial-problems">(.*?)</script>', html,
                                    re.S).group(1))
    assert [p["element_id"] for p in problems] == ["flow_gw_level_to_coordination_stage"]
    assert problems[0]["message"].startswith("điều kiện: ")  # the page's language (Vietnamese by default)
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 1


def test_an_uploaded_diagram_downloads_as_exactly_the_same_text(as_user, draft_id):
    owner = as_user("owner")
    text = ORIGINAL.replace("Đặt thời hạn theo cấp độ", "Đặt thời hạn (mới)").replace("\n", "\r\n")
    assert upload(owner, draft_id, text.encode("utf-8"), filename="my diagram.bpmn").status_code == 302
    download = owner.get(f"/studio/drafts/{draft_id}/download")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.get_data() == text.encode("utf-8")


def test_an_upload_can_add_a_file_beside_the_main_diagram(as_user, factory, draft_id):
    owner = as_user("owner")
    response = upload(owner, draft_id, ORIGINAL.encode(), filename="../../copy.bpmn", target="")
    assert response.status_code == 302
    assert sorted(draft_bundle(factory, draft_id)["bpmn"]) == ["copy.bpmn", MAIN_FILE]
    long_name = upload(owner, draft_id, ORIGINAL.encode(), filename="x" * 5000 + ".bpmn", target="")
    assert long_name.status_code == 302  # kept under its first 100 characters
    assert sorted(draft_bundle(factory, draft_id)["bpmn"]) == ["copy.bpmn", MAIN_FILE, "x" * 100 + ".bpmn"]


def test_a_version_downloads_as_its_main_diagram(as_user, factory):
    response = as_user("owner").get(f"/studio/versions/{active_id(factory)}/download")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True) == ORIGINAL


# --- decision tables ------------------------------------------------------------------------------------------------

def test_a_table_with_a_problem_is_saved_with_its_problems_and_never_deployed(as_user, factory, draft_id):
    owner = as_user("owner")
    xml = owner.get(f"/studio/drafts/{draft_id}/tables/deadlines.dmn").get_data(as_text=True)
    broken = xml.replace(LEVEL_1_CELL, LEVEL_1_CELL.replace("24", "2000"))
    checked = owner.post(f"/studio/drafts/{draft_id}/tables/deadlines.dmn/validate", data=broken.encode(),
                         content_type="application/xml", headers={"Accept": "application/json"})
    assert [(p["file"], p["element_id"]) for p in checked.json["problems"]] == [("deadlines.dmn", "deadline_level_1")]
    assert LEVEL_1_CELL in draft_bundle(factory, draft_id)["dmn"]["deadlines.dmn"]  # checking saved nothing
    saved = owner.post(f"/studio/drafts/{draft_id}/tables/deadlines.dmn", data=broken.encode(),
                       content_type="application/xml", headers={"Accept": "application/json"})
    assert saved.status_code == 200 and "phải từ 1 đến 720" in saved.json["problems"][0]["message"]
    page, _confirm = confirmation(owner, draft_id)  # the problem is counted and no deploy is offered
    assert 'id="deploy-problems" data-count="1"' in page.get_data(as_text=True)
    assert 'id="confirm-deploy"' not in page.get_data(as_text=True)
    assert owner.post(f"/studio/drafts/{draft_id}/deploy", data={"confirm": "0" * 64}).status_code in (303, 422)
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 1


@pytest.mark.parametrize(("name", "content", "status"), [
    ("deadlines.dmn", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', 422),
    ("deadlines.dmn", b"<definitions", 422),
    ("deadlines.dmn", ORIGINAL.encode(), 422),  # a BPMN diagram is not a table
    ("deadlines.dmn", b"\xff\xfe", 422),
    ("other.dmn", (versions.PROCESSES_DIR / "deadlines.dmn").read_bytes(), 404),
])
def test_a_hostile_or_wrong_table_is_refused_and_nothing_is_stored(as_user, factory, draft_id, name, content, status):
    before = draft_bundle(factory, draft_id)["dmn"]
    response = as_user("owner").post(f"/studio/drafts/{draft_id}/tables/{name}", data=content,
                                     content_type="application/xml", headers={"Accept": "application/json"})
    assert response.status_code == status and response.json["error"]
    assert draft_bundle(factory, draft_id)["dmn"] == before


@pytest.mark.parametrize("declared", ["UTF-16", "ISO-8859-1", "x-nonsense"])
def test_a_diagram_declaring_another_encoding_is_read_as_the_utf8_it_is_everywhere(as_user, drive, factory,
                                                                                     draft_id, declared):
    """The engine reads diagrams as UTF-8 whatever they declare; the viewers' name translation did not: a 500 on
    every diagram of the version (a case's too) or garbled Vietnamese names."""
    owner = as_user("owner")
    xml = ORIGINAL.replace('encoding="UTF-8"', f'encoding="{declared}"', 1)
    assert xml != ORIGINAL
    saved = owner.post(f"/studio/drafts/{draft_id}/diagram", data=xml.encode(), content_type="application/xml")
    assert saved.status_code == 200 and saved.json["problems"] == []
    assert deploy(owner, draft_id).status_code == 302
    shown = owner.get(f"/studio/versions/{active_id(factory)}/diagram.bpmn")
    assert shown.status_code == 200 and "Tiếp nhận phản ánh" in shown.get_data(as_text=True)
    case_diagram = as_user("intake").get(f"/cases/{drive.report()}/diagram.bpmn")
    assert case_diagram.status_code == 200 and "Tiếp nhận phản ánh" in case_diagram.get_data(as_text=True)


def test_a_form_that_refers_to_another_schema_is_refused_before_any_case_meets_it(as_user, factory, draft_id):
    """No page resolves a $ref: such a form saved and deployed, and every submission of the task was a 500."""
    owner = as_user("owner")
    schema = draft_bundle(factory, draft_id)["forms"]["screen"]
    schema["properties"]["extra"] = {"$ref": "#/$defs/missing"}
    refused = owner.post(f"/studio/drafts/{draft_id}/forms/screen", data={"schema": json.dumps(schema)})
    assert refused.status_code == 422
    assert "JSON Schema không hợp lệ tại $.properties.extra.$ref" in text_of(refused)
    assert "extra" not in draft_bundle(factory, draft_id)["forms"]["screen"]["properties"]


def test_a_form_refused_for_a_nul_character_says_why_in_the_pages_language(as_user, factory, draft_id):
    schema = draft_bundle(factory, draft_id)["forms"]["screen"]
    schema["title"] = "a\u0000b"
    refused = as_user("owner").post(f"/studio/drafts/{draft_id}/forms/screen", data={"schema": json.dumps(schema)})
    assert refused.status_code == 422
    assert "NUL character" not in refused.get_data(as_text=True)


def test_a_save_for_a_diagram_file_the_draft_does_not_have_is_a_404_not_a_change_of_the_main_one(
        as_user, factory, draft_id):
    owner = as_user("owner")
    before = draft_bundle(factory, draft_id)["bpmn"]
    saved = owner.post(f"/studio/drafts/{draft_id}/diagram?file=unknown.bpmn",
                       data=ORIGINAL.replace("Sàng lọc / Screen", "Khác / Other").encode(),
                       content_type="application/xml")
    assert saved.status_code == 404
    assert draft_bundle(factory, draft_id)["bpmn"] == before
