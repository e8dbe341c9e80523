"""The process studio: a process owner edits a draft of the procedure, confirms and deploys it and rolls it back;
new cases follow the active version while running cases keep theirs; a deployed draft is read-only. Uploaded
diagrams may be hostile and never get in."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import versions
from engine.db import transaction
from engine.models import ProcessDraft, ProcessVersion
from tests.webui.conftest import text_of
from tests.webui.studio_helpers import (
    LEVEL_1_CELL,
    MAIN_FILE,
    ORIGINAL,
    PROCESS,
    SCREENING_3H,
    SCREENING_4H,
    active_id,
    classify_level_1,
    confirmation,
    deploy,
    draft_bundle,
    saved_diagrams,
    upload,
)

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


NESTED_TOO_DEEPLY = "[" * 100_000  # 100 KB: under the size limit, beyond the JSON parser's depth
LONE_SURROGATE = '{"properties": {"a": {"type": "string", "title": "\\ud800"}}}'  # valid JSON, not valid text


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"type": "object", "properties": {"a": 5}}',
                                  NESTED_TOO_DEEPLY, LONE_SURROGATE])
def test_the_preview_explains_a_schema_it_cannot_show(as_user, draft_id, text):
    preview = as_user("owner").post(f"/studio/drafts/{draft_id}/forms-preview", data={"schema": text})
    assert preview.status_code == 200
    assert 'id="preview-error"' in preview.get_data(as_text=True)


def test_an_invalid_form_is_not_saved(as_user, factory, draft_id):
    owner = as_user("owner")
    before = draft_bundle(factory, draft_id)["forms"]["screen"]
    for text in ("{not json", '{"type": "array"}', '{"type": "object", "properties": {"a": {"type": 5}}}',
                 NESTED_TOO_DEEPLY, LONE_SURROGATE):
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


def test_a_deploy_note_over_500_characters_is_refused_never_cut(as_user, factory, draft_id):
    owner = as_user("owner")
    save_xml(owner, draft_id, ORIGINAL.replace(SCREENING_4H, SCREENING_3H))
    _page, confirm = confirmation(owner, draft_id)
    response = owner.post(f"/studio/drafts/{draft_id}/deploy", data={"note": "x" * 501, "confirm": confirm})
    assert response.status_code == 400 and "500" in text_of(response)
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 1  # nothing deployed
    assert deploy(owner, draft_id, "x" * 500).status_code == 302


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


@pytest.mark.parametrize(("text", "message"), [
    ('{"type": "object", "properties": {"a": ' + '{"type": "object", "properties": {"b": ' * 96
     + '{"type": "string"}' + "}}" * 97, "Biểu mẫu lồng nhau quá 32 cấp"),
    ('{"type": "object", "properties": {"a": {"type": "number", "maximum": Infinity}}}', "không hữu hạn"),
    ('{"type": "object", "properties": {"a": {"type": "number", "minimum": NaN}}}', "không hữu hạn")])
def test_a_form_too_deep_to_check_or_with_a_number_json_cannot_hold_is_refused(as_user, factory, draft_id, text,
                                                                               message):
    before = draft_bundle(factory, draft_id)["forms"]
    response = as_user("owner").post(f"/studio/drafts/{draft_id}/forms/deep_form", data={"schema": text})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert draft_bundle(factory, draft_id)["forms"] == before
