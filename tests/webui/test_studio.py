"""The process studio: a process owner edits a draft of the procedure, confirms and deploys it and rolls it back;
new cases follow the active version while running cases keep theirs; a deployed draft is read-only. Uploaded
diagrams may be hostile and never get in."""
from __future__ import annotations

import json
import os
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import studio, versions
from engine.db import transaction
from engine.models import AuditEntry, ProcessDraft, ProcessVersion
from tests.webui.conftest import text_of

PROCESS = versions.DEFAULT_PROCESS_ID
MAIN_FILE = "rapid_response.bpmn"
ORIGINAL = (versions.PROCESSES_DIR / MAIN_FILE).read_text(encoding="utf-8")
LEVEL_1_CELL = '<outputEntry id="deadline_level_1_sla"><text>24</text>'
SCREENING_4H, SCREENING_3H = "screening_hours = 4", "screening_hours = 3"  # a script edit in *Record receipt*


@pytest.fixture
def draft_id(factory) -> int:
    """A draft of the active version, made through the engine."""
    with transaction(factory) as session:
        return studio.new_draft(session, "owner", versions.active_version(session)).id


def active_id(factory) -> int:
    with transaction(factory) as session:
        return versions.active_version(session).id


def draft_bundle(factory, draft: int) -> dict:
    with transaction(factory) as session:
        return studio.get_draft(session, draft).bundle


def saved_diagrams(factory) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).where(AuditEntry.kind == "draft_diagram_saved"))


def classify_level_1(drive, case_id: int):
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    case = drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    return case.deadline_at - case.received_at


def confirmation(client, draft: int, note: str = ""):
    """The deploy confirmation page (what the Deploy button opens) and the content hash its final button sends."""
    page = client.get(f"/studio/drafts/{draft}/deploy", query_string={"note": note})
    assert page.status_code == 200
    found = re.search(r'name="confirm" value="([0-9a-f]{64})"', page.get_data(as_text=True))
    return page, found.group(1)


def deploy(client, draft: int, note: str = ""):
    """Deploy as a process owner does: open the confirmation, then press "Deploy version N"."""
    _page, confirm = confirmation(client, draft, note)
    return client.post(f"/studio/drafts/{draft}/deploy", data={"note": note, "confirm": confirm})


def upload(client, draft: int, content: bytes, filename: str = "upload.bpmn", target: str = MAIN_FILE):
    """POST the file as a browser would (the body built here: the test client would spool big ones to a temp
    file it never closes)."""
    boundary = "studio-test-boundary-7MA4YWxkTrZu0gW"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="target"\r\n\r\n{target}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return client.post(f"/studio/drafts/{draft}/upload", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


# --- who may use the studio ---------------------------------------------------------------------------------------

def studio_pages(version: int, draft: int) -> list[str]:
    return [
        "/studio/", f"/studio/{PROCESS}", f"/studio/versions/{version}", f"/studio/versions/{version}/live.json",
        f"/studio/versions/{version}/diagram.bpmn", f"/studio/versions/{version}/download",
        f"/studio/drafts/{draft}", f"/studio/drafts/{draft}/diagram.bpmn", f"/studio/drafts/{draft}/download",
        f"/studio/drafts/{draft}/forms", f"/studio/drafts/{draft}/forms/screen", f"/studio/drafts/{draft}/tables",
        f"/studio/drafts/{draft}/tables/deadlines.dmn",
        f"/studio/diff?a={version}&b={version}", "/studio/audit",
    ]


@pytest.mark.parametrize(("username", "status"), [("owner", 200), ("intake", 403), ("admin", 403), ("leader", 403)])
def test_every_studio_page_is_for_process_owners_only(as_user, factory, draft_id, username, status):
    client = as_user(username)
    wrong = [f"{url}: {code}" for url in studio_pages(active_id(factory), draft_id)
             if (code := client.get(url).status_code) != status]
    assert wrong == []


@pytest.mark.parametrize("username", ["intake", "admin"])
def test_nobody_else_can_change_processes(as_user, factory, draft_id, username):
    client = as_user(username)
    version = active_id(factory)
    for url, data in [(f"/studio/versions/{version}/draft", {}), (f"/studio/versions/{version}/activate", {}),
                      (f"/studio/drafts/{draft_id}/deploy", {}), (f"/studio/drafts/{draft_id}/forms/screen", {}),
                      (f"/studio/drafts/{draft_id}/forms-preview", {"schema": "{}"})]:
        assert client.post(url, data=data).status_code == 403, url
    assert client.post(f"/studio/drafts/{draft_id}/diagram", data=ORIGINAL.encode(),
                       content_type="application/xml").status_code == 403
    table = (versions.PROCESSES_DIR / "deadlines.dmn").read_bytes()
    assert client.post(f"/studio/drafts/{draft_id}/tables/deadlines.dmn", data=table,
                       content_type="application/xml").status_code == 403
    assert upload(client, draft_id, ORIGINAL.encode()).status_code == 403
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 1


def test_anonymous_visitors_are_sent_to_sign_in(browser, factory, draft_id):
    for url in studio_pages(active_id(factory), draft_id):
        response = browser.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_the_pages_show_processes_versions_and_drafts(as_user, factory, draft_id):
    owner = as_user("owner")
    assert "Quy trình phản ứng nhanh" in text_of(owner.get("/studio/"))  # the process by its name, not its id
    html = owner.get(f"/studio/{PROCESS}").get_data(as_text=True)
    assert 'id="active-badge"' in html and f'data-draft="{draft_id}"' in html
    assert f'/studio/drafts/{draft_id}"' in html
    editor = owner.get(f"/studio/drafts/{draft_id}").get_data(as_text=True)
    assert 'id="modeler"' in editor and "bpmn-modeler.production.min.js" in editor and 'id="prop-script"' in editor
    viewer = owner.get(f"/studio/versions/{active_id(factory)}").get_data(as_text=True)
    assert "bpmn-navigated-viewer.production.min.js" in viewer and "live.json" in viewer


def test_an_unknown_version_or_draft_is_a_404(as_user):
    owner = as_user("owner")
    for url in ("/studio/versions/9999", "/studio/drafts/9999", "/studio/no_such_process", "/studio/diff?a=1&b=9999"):
        assert owner.get(url).status_code == 404, url
    assert owner.get("/studio/diff").status_code == 400


# --- change, deploy, roll back --------------------------------------------------------------------------------------

def test_a_shorter_level_1_deadline_applies_to_new_cases_only_and_a_roll_back_restores_it(as_user, drive, factory):
    owner = as_user("owner")
    version_1 = active_id(factory)
    started_before = drive.report()

    response = owner.post(f"/studio/versions/{version_1}/draft")
    assert response.status_code == 302
    draft = int(re.search(r"/studio/drafts/(\d+)$", response.headers["Location"]).group(1))
    editor = owner.get(f"/studio/drafts/{draft}").get_data(as_text=True)
    assert f'href="/studio/drafts/{draft}/tables?file=deadlines.dmn"' in editor
    page = owner.get(f"/studio/drafts/{draft}/tables?file=deadlines.dmn").get_data(as_text=True)
    assert 'id="dmn-editor"' in page and "dmn-modeler.production.min.js" in page
    xml = owner.get(f"/studio/drafts/{draft}/tables/deadlines.dmn").get_data(as_text=True)
    assert LEVEL_1_CELL in xml
    saved = owner.post(f"/studio/drafts/{draft}/tables/deadlines.dmn",
                       data=xml.replace(LEVEL_1_CELL, LEVEL_1_CELL.replace("24", "12")).encode(),
                       content_type="application/xml", headers={"Accept": "application/json"})
    assert saved.status_code == 200 and saved.json == {"saved": True, "problems": []}

    deployed = deploy(owner, draft, "Cấp 1: 12 giờ")
    assert deployed.status_code == 302 and deployed.headers["Location"].endswith(f"/studio/{PROCESS}")
    with transaction(factory) as session:
        version_2 = versions.active_version(session)
        assert (version_2.number, version_2.deployed_by, version_2.note) == (2, "owner", "Cấp 1: 12 giờ")
        version_2_id = version_2.id
    page = owner.get(f"/studio/{PROCESS}").get_data(as_text=True)
    assert "Roll back to this version" in page or "Quay lại phiên bản này" in page

    started_after = drive.report()
    assert classify_level_1(drive, started_after) == timedelta(hours=12)
    assert classify_level_1(drive, started_before) == timedelta(hours=24), "a running case changed its rules"

    diff = owner.get(f"/studio/diff?a={version_1}&b={version_2_id}")
    assert diff.status_code == 200
    html = diff.get_data(as_text=True)
    row = html.split('data-rule="deadline_level_1"')[1].split("</tr>")[0]
    assert "1 → 24 | 4" in row and "1 → 12 | 4" in row

    assert owner.post(f"/studio/versions/{version_1}/activate").status_code == 302
    assert active_id(factory) == version_1
    started_after_roll_back = drive.report()
    assert classify_level_1(drive, started_after_roll_back) == timedelta(hours=24)

    audit = owner.get("/studio/audit").get_data(as_text=True)
    for kind in ("draft_created", "draft_table_saved", "version_deployed", "version_activated"):
        assert f'data-kind="{kind}"' in audit, kind
    assert "owner" in text_of(owner.get("/studio/audit"))


def test_deploying_an_unchanged_draft_creates_no_new_version(as_user, factory, draft_id):
    response = deploy(as_user("owner"), draft_id)
    assert response.status_code == 302
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 1


def test_the_editor_checks_without_saving(as_user, factory, draft_id):
    owner = as_user("owner")
    broken = ORIGINAL.replace("level == 3", "level ==")
    response = owner.post(f"/studio/drafts/{draft_id}/validate", data=broken.encode(), content_type="application/xml")
    assert response.status_code == 200
    problems = response.json["problems"]
    assert problems and problems[0]["element_id"] == "flow_gw_level_to_coordination_stage"
    assert draft_bundle(factory, draft_id)["bpmn"][MAIN_FILE] == ORIGINAL
    assert owner.post(f"/studio/drafts/{draft_id}/validate", data=ORIGINAL.encode(),
                      content_type="application/xml").json == {"problems": []}


def test_saving_broken_xml_from_the_editor_is_refused_as_json(as_user, factory, draft_id):
    response = as_user("owner").post(f"/studio/drafts/{draft_id}/diagram", data=b"<bpmn:definitions",
                                     content_type="application/xml")
    assert response.status_code == 422
    assert response.json["saved"] is False
    assert response.json["problems"][0]["message"] == f"{MAIN_FILE}: XML không đúng cú pháp"  # the page's language
    assert draft_bundle(factory, draft_id)["bpmn"][MAIN_FILE] == ORIGINAL


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


def test_a_version_downloads_as_its_main_diagram(as_user, factory):
    response = as_user("owner").get(f"/studio/versions/{active_id(factory)}/download")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True) == ORIGINAL


# --- forms ---------------------------------------------------------------------------------------------------------

def test_a_form_is_edited_with_a_preview(as_user, factory, draft_id):
    owner = as_user("owner")
    assert 'data-form="screen"' in owner.get(f"/studio/drafts/{draft_id}/forms").get_data(as_text=True)
    page = owner.get(f"/studio/drafts/{draft_id}/forms/screen").get_data(as_text=True)
    assert 'id="schema"' in page and 'hx-post="/studio/drafts/' in page and 'id="form-preview-body"' in page

    schema = draft_bundle(factory, draft_id)["forms"]["screen"]
    schema["properties"]["extra_note"] = {"type": "string", "title": "Ghi chú thêm", "x-title-en": "Extra note"}
    preview = owner.post(f"/studio/drafts/{draft_id}/forms-preview", data={"schema": json.dumps(schema)})
    assert preview.status_code == 200
    assert 'id="preview-extra_note"' in preview.get_data(as_text=True) and "Ghi chú thêm" in text_of(preview)

    saved = owner.post(f"/studio/drafts/{draft_id}/forms/screen", data={"schema": json.dumps(schema)})
    assert saved.status_code == 302
    assert draft_bundle(factory, draft_id)["forms"]["screen"]["properties"]["extra_note"]["title"] == "Ghi chú thêm"


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"type": "object", "properties": {"a": 5}}'])
def test_the_preview_explains_a_schema_it_cannot_show(as_user, draft_id, text):
    preview = as_user("owner").post(f"/studio/drafts/{draft_id}/forms-preview", data={"schema": text})
    assert preview.status_code == 200
    assert 'id="preview-error"' in preview.get_data(as_text=True)


def test_an_invalid_form_is_not_saved(as_user, factory, draft_id):
    owner = as_user("owner")
    before = draft_bundle(factory, draft_id)["forms"]["screen"]
    for text in ("{not json", '{"type": "array"}', '{"type": "object", "properties": {"a": {"type": 5}}}'):
        response = owner.post(f"/studio/drafts/{draft_id}/forms/screen", data={"schema": text})
        assert response.status_code == 422, text
        assert 'id="form-errors"' in response.get_data(as_text=True)
    assert draft_bundle(factory, draft_id)["forms"]["screen"] == before


def test_a_new_form_can_be_added_to_a_draft(as_user, factory, draft_id):
    owner = as_user("owner")
    assert owner.get(f"/studio/drafts/{draft_id}/forms?name=site_visit").headers["Location"].endswith(
        f"/studio/drafts/{draft_id}/forms/site_visit")
    schema = {"type": "object", "title": "Kiểm tra thực địa", "properties": {"visited_at": {"type": "string"}}}
    assert owner.post(f"/studio/drafts/{draft_id}/forms/site_visit",
                      data={"schema": json.dumps(schema)}).status_code == 302
    assert draft_bundle(factory, draft_id)["forms"]["site_visit"] == schema
    assert owner.get(f"/studio/drafts/{draft_id}/forms/bad-name!").status_code == 404


# --- the live view ----------------------------------------------------------------------------------------------

def test_the_live_view_counts_cases_waiting_at_each_task(as_user, drive, factory):
    drive.report()
    drive.report()
    owner = as_user("owner")
    live = owner.get(f"/studio/versions/{active_id(factory)}/live.json")
    assert live.status_code == 200
    assert live.json["screen"]["waiting"] == 2
    assert set(live.json["screen"]) == {"waiting", "near", "overdue"}
    assert 'data-element="screen"' in owner.get(f"/studio/versions/{active_id(factory)}").get_data(as_text=True)


def test_the_draft_list_shows_drafts_of_the_process(as_user, factory, draft_id):
    with transaction(factory) as session:
        assert session.get(ProcessDraft, draft_id).process_id == PROCESS
    assert f'data-draft="{draft_id}"' in as_user("owner").get(f"/studio/{PROCESS}").get_data(as_text=True)



# --- the deploy confirmation ------------------------------------------------------------------------------------

def save_xml(client, draft: int, xml: str):
    return client.post(f"/studio/drafts/{draft}/diagram", data=xml.encode(), content_type="application/xml")


def test_deploy_asks_for_confirmation_with_problems_running_cases_and_changes(as_user, drive, factory, draft_id):
    drive.report()
    drive.report()
    owner = as_user("owner")
    changed = ORIGINAL.replace(SCREENING_4H, SCREENING_3H).replace('"PT4H"', '"PT2H"')
    assert save_xml(owner, draft_id, changed).status_code == 200

    editor = owner.get(f"/studio/drafts/{draft_id}").get_data(as_text=True)  # the Deploy button opens the summary
    assert re.search(rf'<form method="get" action="/studio/drafts/{draft_id}/deploy"[^>]*id="deploy-form"', editor)
    page, _confirm = confirmation(owner, draft_id, note="Cấp 1: 12 giờ")
    html = page.get_data(as_text=True)
    assert 'id="deploy-problems" data-count="0"' in html
    assert 'id="deploy-running" data-running="2"' in html
    assert '<span data-element="set_received">' in html and 'id="changes-timers"' in html
    assert 'id="confirm-deploy"' in html and 'value="Cấp 1: 12 giờ"' in html
    text = text_of(page)
    assert "Triển khai phiên bản 2" in text and "2 hồ sơ đang xử lý trên phiên bản đang áp dụng 1" in text
    assert active_id(factory) == version_of(factory, 1), "opening the confirmation deploys nothing"

    deployed = deploy(owner, draft_id, "Cấp 1: 12 giờ")
    assert deployed.status_code == 302 and deployed.headers["Location"].endswith(f"/studio/{PROCESS}")
    assert active_id(factory) == version_of(factory, 2)


def version_of(factory, number: int) -> int:
    with transaction(factory) as session:
        return session.scalar(select(ProcessVersion.id).where(ProcessVersion.number == number))


def test_a_deploy_without_the_confirmation_leads_to_it(as_user, factory, draft_id):
    owner = as_user("owner")
    save_xml(owner, draft_id, ORIGINAL.replace(SCREENING_4H, SCREENING_3H))
    response = owner.post(f"/studio/drafts/{draft_id}/deploy", data={"note": "vội"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/studio/drafts/{draft_id}/deploy?note=v%E1%BB%99i")
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 1


def test_the_confirmation_of_a_draft_with_problems_counts_them_and_offers_no_deploy(as_user, draft_id):
    owner = as_user("owner")
    save_xml(owner, draft_id, ORIGINAL.replace(">level == 3<", ">__import__('os')<"))
    page, _confirm = confirmation(owner, draft_id)
    html = page.get_data(as_text=True)
    assert 'id="deploy-problems" data-count="1"' in html
    assert 'data-element-id="flow_gw_level_to_coordination_stage"' in html
    assert 'id="confirm-deploy"' not in html
    assert "1 lỗi: chỉ có thể triển khai bản nháp khi đã sửa hết." in text_of(page)


def test_a_draft_changed_after_the_confirmation_is_sent_back_to_it(as_user, factory, draft_id):
    owner = as_user("owner")
    _page, confirm = confirmation(owner, draft_id)
    save_xml(owner, draft_id, ORIGINAL.replace(SCREENING_4H, SCREENING_3H))  # e.g. saved in another tab meanwhile
    response = owner.post(f"/studio/drafts/{draft_id}/deploy", data={"confirm": confirm}, follow_redirects=True)
    assert response.status_code == 200 and 'id="deploy-confirmation"' in response.get_data(as_text=True)
    assert "Bản nháp đã thay đổi sau khi bạn mở bản tóm tắt này" in text_of(response)
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 1


def test_the_editor_dialog_gets_the_same_confirmation_without_the_page_around_it(as_user, draft_id):
    owner = as_user("owner")
    fragment = owner.get(f"/studio/drafts/{draft_id}/deploy?dialog=1&note=x").get_data(as_text=True)
    assert "<html" not in fragment and 'id="deploy-confirmation"' in fragment and 'data-bs-dismiss="modal"' in fragment
    assert 'id="deploy-no-changes"' in fragment  # a fresh copy of the active version
    editor = owner.get(f"/studio/drafts/{draft_id}").get_data(as_text=True)
    assert 'id="deploy-dialog"' in editor and f'data-dialog="/studio/drafts/{draft_id}/deploy?dialog=1"' in editor


# --- drafts show their state; a deployed draft is read-only ----------------------------------------------------------

def test_a_deployed_draft_is_read_only_and_offers_a_new_draft_from_its_version(as_user, factory, draft_id):
    owner = as_user("owner")
    save_xml(owner, draft_id, ORIGINAL.replace(SCREENING_4H, SCREENING_3H))
    editing = owner.get(f"/studio/drafts/{draft_id}").get_data(as_text=True)
    assert 'id="draft-state" data-state="editing"' in editing and 'id="save-draft"' in editing
    assert deploy(owner, draft_id).status_code == 302
    version_2 = version_of(factory, 2)
    other = owner.post(f"/studio/versions/{version_2}/draft").headers["Location"].rsplit("/", 1)[1]

    page = owner.get(f"/studio/drafts/{draft_id}")
    html = page.get_data(as_text=True)
    assert 'data-state="deployed" data-version="2"' in html and 'id="draft-read-only"' in html
    assert f'action="/studio/versions/{version_2}/draft"' in html and 'id="new-draft-from-deployed"' in html
    assert 'data-readonly="1"' in html and "bpmn-navigated-viewer.production.min.js" in html
    for control in ('id="save-draft"', 'id="deploy-form"', 'id="upload-card"', 'id="prop-apply"'):
        assert control not in html, control
    assert "Bản nháp mới từ phiên bản 2" in text_of(page)

    listing = owner.get(f"/studio/{PROCESS}").get_data(as_text=True)
    assert f'data-draft="{draft_id}" data-state="deployed"' in listing and 'data-version="2"' in listing
    assert f'data-draft="{other}" data-state="editing"' in listing
    assert "đã triển khai thành phiên bản 2" in text_of(owner.get(f"/studio/{PROCESS}"))
    assert 'data-editing="1"' in owner.get("/studio/").get_data(as_text=True)


def test_saving_a_deployed_draft_is_refused_with_the_way_on(as_user, factory, draft_id):
    owner = as_user("owner")
    assert deploy(owner, draft_id).status_code == 302  # unchanged: deployed as version 1
    refused = owner.post(f"/studio/drafts/{draft_id}/diagram", data=ORIGINAL.replace(SCREENING_4H, SCREENING_3H)
                         .encode(),
                         content_type="application/xml", headers={"Accept": "application/json"})
    assert refused.status_code == 409 and refused.json["saved"] is False
    assert refused.json["deployed_as"] == 1
    assert refused.json["new_draft"] == f"/studio/versions/{active_id(factory)}/draft"
    assert "chỉ được xem" in refused.json["error"]
    assert draft_bundle(factory, draft_id)["bpmn"][MAIN_FILE] == ORIGINAL

    for response in (upload(owner, draft_id, ORIGINAL.encode()),
                     owner.post(f"/studio/drafts/{draft_id}/forms/screen", data={"schema": '{"type": "object"}'}),
                     owner.post(f"/studio/drafts/{draft_id}/deploy", data={"confirm": "0" * 64}),
                     owner.get(f"/studio/drafts/{draft_id}/deploy")):
        assert response.status_code == 303 and response.headers["Location"].endswith(f"/studio/drafts/{draft_id}")
    page = owner.get(f"/studio/drafts/{draft_id}")
    assert "Bản nháp này đã được triển khai thành phiên bản 1 và chỉ được xem" in text_of(page)
    assert draft_bundle(factory, draft_id)["forms"]["screen"] != {"type": "object"}
    assert saved_diagrams(factory) == 0


# --- "last saved" ------------------------------------------------------------------------------------------------

def test_last_saved_shows_the_local_time_of_the_latest_save(as_user, clock, draft_id):
    owner = as_user("owner")
    clock.advance(hours=2, minutes=30)
    local = (clock.now() + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M")  # Asia/Ho_Chi_Minh is UTC+7
    saved = save_xml(owner, draft_id, ORIGINAL.replace(SCREENING_4H, SCREENING_3H))
    assert saved.json["last_saved"] == f"lưu gần nhất bởi owner, {local}"
    assert saved.json["saved_at"] == clock.now().isoformat()
    assert f"lưu gần nhất bởi owner, {local}" in text_of(owner.get(f"/studio/drafts/{draft_id}"))

    clock.advance(minutes=5)
    refused = save_xml(owner, draft_id, "<bpmn:definitions")
    assert refused.status_code == 422 and "last_saved" not in refused.json
    assert f"lưu gần nhất bởi owner, {local}" in text_of(owner.get(f"/studio/drafts/{draft_id}"))


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
