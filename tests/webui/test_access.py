"""The access matrix, generated from the app's URL map: every route (rule × method) has a row in ACCESS saying what
each demo user — one per role — and an anonymous visitor get. A route without a row fails the test ("new route
without a rule"), so nobody adds a page without deciding who may open it.

Outcomes: a status code, LOGIN (sent to the sign-in page), or "redirect:/path" (sent on to a page that starts
with /path). The requests are real: a refused user must be refused before anything happens, an allowed one gets
the page or the action's normal answer (a validation error counts when the row says so)."""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image

from engine import briefings, cases, citizen, scheduled, studio, versions
from engine.actors import Actor
from engine.attachments import AttachmentStore, Upload
from engine.db import transaction
from engine.documents import DocumentStore
from engine.models import Case, TaskDocument
from tests.casedriver import REPORT
from tests.engine.test_level3_scenarios import level_3

ROLES = ["intake", "ward", "inspectorate", "chief", "inspector", "police", "market", "labour", "leader", "owner",
         "admin"]
ANONYMOUS = "anonymous"
EVERYONE = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()
SEE_ALL = frozenset({"intake", "inspector", "leader", "owner", "admin"})
REPORTERS = frozenset({"intake", "inspector", "leader"})
LOGIN = "login"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Access:
    """Who gets what at one route: `allowed` users get `ok`, other users `refused`, anonymous visitors
    `anonymous`. `url` and `data` are built from the world of the test (ids of cases, tasks, versions...)."""

    url: str | Callable[[dict], str]
    allowed: frozenset[str] = NOBODY
    ok: int | str = 200
    refused: int | str = 403
    anonymous: int | str = LOGIN
    data: dict[str, Any] | Callable[[dict], dict[str, Any]] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def expected(self, who: str) -> int | str:
        if who == ANONYMOUS:
            return self.anonymous
        return self.ok if who in self.allowed else self.refused


def public(url, ok: int | str = 200, *, signed_in: int | str | None = None, data=None) -> Access:
    """The same answer for everyone, signed in or not (unless `signed_in` says otherwise)."""
    return Access(url, EVERYONE, ok=ok if signed_in is None else signed_in, anonymous=ok, data=data)


def staff(url, allowed: frozenset[str], ok: int | str = 200, data=None) -> Access:
    return Access(url, allowed, ok=ok, data=data)


def _w(template: str) -> Callable[[dict], str]:
    return lambda w: template.format(**w)


API = "/open311/v2"
BAD_USER = {"display_name": "", "roles": ["nothing"]}  # refused by validation: nothing changes

ACCESS: dict[tuple[str, str], Access] = {
    # --- public pages, files and the language switch
    ("/", "GET"): public("/", signed_in="redirect:/inbox/"),
    ("/healthz", "GET"): public("/healthz"),
    ("/lang/<code>", "POST"): public("/lang/en", "redirect:/"),
    ("/static/<path:filename>", "GET"): public("/static/app.css"),
    ("/vendor/<path:filename>", "GET"): public("/vendor/bootstrap/dist/css/bootstrap.min.css"),
    ("/login", "GET"): public("/login"),
    ("/login", "POST"): public("/login", 401, data={"username": "nobody", "password": "wrong-password"}),
    ("/logout", "POST"): Access("/logout", EVERYONE, ok=LOGIN),
    ("/account", "GET"): staff("/account", EVERYONE),  # one's own account and language
    ("/account", "POST"): staff("/account", EVERYONE, 422, data={"lang": "fr"}),
    # --- the citizen portal: no account, the tracking code is the key
    ("/report", "GET"): public("/report"),
    ("/report", "POST"): public("/report", "redirect:/report/done", data=lambda w: {
        **REPORT, "submission_key": "matrix"}),
    ("/report/done", "GET"): public("/report/done", "redirect:/report"),
    ("/track", "GET"): public(_w("/track?code={level1_code}")),
    ("/track/feedback", "POST"): public("/track/feedback", "redirect:/track", data=lambda w: {
        "code": w["level1_code"]}),
    ("/track/photo/<int:attachment_id>", "GET"): public(_w("/track/photo/{photo}?code={photo_code}")),
    # --- Open311: applications, by API key; the same for signed-in staff
    (f"{API}/", "GET"): public(f"{API}/", 404),
    (f"{API}/", "POST"): public(f"{API}/", 404),
    (f"{API}/", "PUT"): public(f"{API}/", 404),
    (f"{API}/", "PATCH"): public(f"{API}/", 404),
    (f"{API}/", "DELETE"): public(f"{API}/", 404),
    (f"{API}/<path:rest>", "GET"): public(f"{API}/nothing/here", 404),
    (f"{API}/<path:rest>", "POST"): public(f"{API}/services.json", 404),
    (f"{API}/<path:rest>", "PUT"): public(f"{API}/requests.json", 404),
    (f"{API}/<path:rest>", "PATCH"): public(f"{API}/requests.json", 404),
    (f"{API}/<path:rest>", "DELETE"): public(_w(f"{API}/requests/{{level1_code}}.json"), 404),
    (f"{API}/openapi.json", "GET"): public(f"{API}/openapi.json"),
    (f"{API}/services.<fmt>", "GET"): public(f"{API}/services.xml"),
    (f"{API}/services/<service_code>.<fmt>", "GET"): public(f"{API}/services/cosmetic_surgery.json"),
    (f"{API}/requests.<fmt>", "GET"): public(_w(f"{API}/requests.json?api_key={{api_key}}")),
    (f"{API}/requests.<fmt>", "POST"): public(f"{API}/requests.json", 201, data=lambda w: {
        "api_key": w["api_key"], "service_code": "cosmetic_surgery", "description": REPORT["description"],
        "address_string": "12 Lê Lợi", "attribute[ward]": "ward-ben-thanh"}),
    (f"{API}/requests/<service_request_id>.<fmt>", "GET"): public(_w(f"{API}/requests/{{level1_code}}.json")),
    (f"{API}/tokens/<token>.<fmt>", "GET"): public(_w(f"{API}/tokens/{{token}}.json?api_key={{api_key}}")),
    # --- the staff inbox and notifications: every staff member, scoped to their tasks
    ("/inbox/", "GET"): staff("/inbox/", EVERYONE),
    ("/inbox/claim", "POST"): staff("/inbox/claim", frozenset({"intake"}), "redirect:/inbox/",
                                    data=lambda w: {"case_id": w["new"], "task_id": w["screen_task"]}),
    ("/inbox/unclaim", "POST"): staff("/inbox/unclaim", frozenset({"inspectorate"}), "redirect:/inbox/",
                                      data=lambda w: {"case_id": w["level3"], "task_id": w["handle_task"]}),
    ("/inbox/assign", "POST"): staff("/inbox/assign", frozenset({"chief"}), "redirect:/inbox/",
                                     data=lambda w: {"case_id": w["level3"], "task_id": w["handle_task"],
                                                     "username": "inspectorate"}),
    ("/notifications/", "GET"): staff("/notifications/", EVERYONE),
    # --- case files: roles that see every case, and the units of the case
    ("/cases/", "GET"): staff("/cases/", EVERYONE),  # units and agencies list only their own cases
    ("/cases/<int:case_id>", "GET"): staff(_w("/cases/{level1}"), SEE_ALL | {"ward"}),
    ("/cases/<int:case_id>/diagram.bpmn", "GET"): staff(_w("/cases/{level3}/diagram.bpmn"),
                                                        SEE_ALL | {"inspectorate", "chief", "police", "market"}),
    ("/cases/<int:case_id>/diagram-state.json", "GET"): staff(_w("/cases/{level1}/diagram-state.json"),
                                                              SEE_ALL | {"ward"}),
    ("/cases/<int:case_id>/notes", "POST"): staff(_w("/cases/{level3}/notes"),
                                                  SEE_ALL | {"inspectorate", "chief", "police", "market"},
                                                  "redirect:/cases/", data={"body": "Ghi chú nội bộ"}),
    ("/cases/<int:case_id>/tasks/<task_id>", "GET"): staff(_w("/cases/{new}/tasks/{screen_task}"),
                                                           frozenset({"intake"})),
    ("/cases/<int:case_id>/tasks/<task_id>", "POST"): staff(_w("/cases/{new}/tasks/{screen_task}"),
                                                            frozenset({"intake"}), 422,
                                                            data={"screening_outcome": "nonsense"}),
    ("/cases/attachments/<int:attachment_id>", "GET"): staff(_w("/cases/attachments/{photo}"), SEE_ALL),
    ("/cases/code/<code>", "GET"): staff(_w("/cases/code/{level1_code}"), EVERYONE, "redirect:/cases/"),
    # --- administration
    ("/admin/users", "GET"): staff("/admin/users", frozenset({"admin"})),
    ("/admin/users/new", "GET"): staff("/admin/users/new", frozenset({"admin"})),
    ("/admin/users/new", "POST"): staff("/admin/users/new", frozenset({"admin"}), 422, data=BAD_USER),
    ("/admin/users/<username>", "GET"): staff("/admin/users/ward", frozenset({"admin"})),
    ("/admin/users/<username>", "POST"): staff("/admin/users/ward", frozenset({"admin"}), 422, data=BAD_USER),
    ("/admin/incidents", "GET"): staff("/admin/incidents", frozenset({"admin"})),
    ("/admin/incidents/<int:case_id>/retry", "POST"): staff(_w("/admin/incidents/{level1}/retry"),
                                                            frozenset({"admin"}), "redirect:/admin/incidents"),
    ("/admin/incidents/suspend", "POST"): staff("/admin/incidents/suspend", frozenset({"admin"}), 422,
                                                data={"code": "", "reason": "Thử"}),  # no such case: nothing done
    ("/admin/incidents/<int:case_id>/<any(suspend, resume, cancel):action>", "POST"): staff(
        _w("/admin/incidents/{level1}/resume"), frozenset({"admin"}), 409,  # not suspended: nothing to resume
        data={"reason": "Tiếp tục"}),
    ("/admin/audit", "GET"): staff("/admin/audit", frozenset({"admin"})),
    ("/admin/units", "GET"): staff("/admin/units", frozenset({"admin"})),
    ("/admin/units", "POST"): staff("/admin/units", frozenset({"admin"}), 422,
                                    data={"code": "Bad Code", "name": "", "kind": "ward"}),  # refused: nothing made
    ("/admin/units/<code>", "GET"): staff("/admin/units/police", frozenset({"admin"})),
    ("/admin/units/<code>", "POST"): staff("/admin/units/police", frozenset({"admin"}), 422,
                                           data={"name": " ", "email": ""}),  # refused by validation
    ("/admin/units/<code>/<any(deactivate, activate):action>", "POST"): staff(
        "/admin/units/police/activate", frozenset({"admin"}), "redirect:/admin/units/police"),  # already active
    ("/admin/units/<code>/merge", "POST"): staff("/admin/units/police/merge", frozenset({"admin"}), 422,
                                                 data={"into": "police"}),  # not into itself: nothing changes
    ("/admin/units/<code>/members", "POST"): staff("/admin/units/police/members", frozenset({"admin"}), 404,
                                                   data={"username": "nobody"}),
    # --- the process studio: process owners only
    ("/studio/", "GET"): staff("/studio/", frozenset({"owner"})),
    ("/studio/<process_id>", "GET"): staff("/studio/rapid_response", frozenset({"owner"})),
    ("/studio/audit", "GET"): staff("/studio/audit", frozenset({"owner"})),
    ("/studio/diff", "GET"): staff(_w("/studio/diff?a={version}&b={version}"), frozenset({"owner"})),
    ("/studio/versions/<int:version_id>", "GET"): staff(_w("/studio/versions/{version}"), frozenset({"owner"})),
    ("/studio/versions/<int:version_id>/diagram.bpmn", "GET"): staff(_w("/studio/versions/{version}/diagram.bpmn"),
                                                                     frozenset({"owner"})),
    ("/studio/versions/<int:version_id>/download", "GET"): staff(_w("/studio/versions/{version}/download"),
                                                                 frozenset({"owner"})),
    ("/studio/versions/<int:version_id>/live.json", "GET"): staff(_w("/studio/versions/{version}/live.json"),
                                                                  frozenset({"owner"})),
    ("/studio/versions/<int:version_id>/activate", "POST"): staff(_w("/studio/versions/{version}/activate"),
                                                                  frozenset({"owner"}), "redirect:/studio/"),
    ("/studio/versions/<int:version_id>/draft", "POST"): staff(_w("/studio/versions/{version}/draft"),
                                                               frozenset({"owner"}), "redirect:/studio/drafts/"),
    ("/studio/drafts/<int:draft_id>", "GET"): staff(_w("/studio/drafts/{draft}"), frozenset({"owner"})),
    ("/studio/drafts/<int:draft_id>/diagram.bpmn", "GET"): staff(_w("/studio/drafts/{draft}/diagram.bpmn"),
                                                                 frozenset({"owner"})),
    ("/studio/drafts/<int:draft_id>/download", "GET"): staff(_w("/studio/drafts/{draft}/download"),
                                                             frozenset({"owner"})),
    ("/studio/drafts/<int:draft_id>/diagram", "POST"): staff(_w("/studio/drafts/{draft}/diagram"),
                                                             frozenset({"owner"}), 422, data={"xml": ""}),
    ("/studio/drafts/<int:draft_id>/upload", "POST"): staff(_w("/studio/drafts/{draft}/upload"),
                                                            frozenset({"owner"}), 422, data={}),
    ("/studio/drafts/<int:draft_id>/validate", "POST"): staff(_w("/studio/drafts/{draft}/validate"),
                                                              frozenset({"owner"}), data={}),
    ("/studio/drafts/<int:draft_id>/deploy", "GET"): staff(_w("/studio/drafts/{draft}/deploy"), frozenset({"owner"})),
    ("/studio/drafts/<int:draft_id>/deploy", "POST"): staff(_w("/studio/drafts/{draft}/deploy"),
                                                            frozenset({"owner"}), "redirect:/studio/", data={}),
    ("/studio/drafts/<int:draft_id>/forms", "GET"): staff(_w("/studio/drafts/{draft}/forms"), frozenset({"owner"})),
    ("/studio/drafts/<int:draft_id>/forms/<name>", "GET"): staff(_w("/studio/drafts/{draft}/forms/screen"),
                                                                 frozenset({"owner"})),
    ("/studio/drafts/<int:draft_id>/forms/<name>", "POST"): staff(_w("/studio/drafts/{draft}/forms/screen"),
                                                                  frozenset({"owner"}), 422,
                                                                  data={"schema": "{not json"}),
    ("/studio/drafts/<int:draft_id>/forms-preview", "POST"): staff(_w("/studio/drafts/{draft}/forms-preview"),
                                                                   frozenset({"owner"}), data={"schema": "{}"}),
    ("/studio/drafts/<int:draft_id>/tables", "GET"): staff(_w("/studio/drafts/{draft}/tables"), frozenset({"owner"})),
    ("/studio/drafts/<int:draft_id>/tables/<name>", "GET"): staff(_w("/studio/drafts/{draft}/tables/routing.dmn"),
                                                                  frozenset({"owner"})),
    ("/studio/drafts/<int:draft_id>/tables/<name>", "POST"): staff(_w("/studio/drafts/{draft}/tables/routing.dmn"),
                                                                   frozenset({"owner"}), 422, data={"xml": ""}),
    ("/studio/drafts/<int:draft_id>/tables/<name>/validate", "POST"): staff(
        _w("/studio/drafts/{draft}/tables/routing.dmn/validate"), frozenset({"owner"}), data={}),
    # --- the citizen portal: the rating form posts to the track page itself; one report's status by its code
    ("/track", "POST"): public("/track", "redirect:/track", data=lambda w: {"code": w["level1_code"]}),
    ("/track/status.json", "GET"): public(_w("/track/status.json?code={level1_code}")),
    # --- case search: export of the list (each role within its scope) and the printable case file
    ("/cases/export.<any(csv, xlsx):fmt>", "GET"): staff("/cases/export.xlsx?level=1", EVERYONE),
    ("/cases/<int:case_id>/print", "GET"): staff(_w("/cases/{level1}/print"), SEE_ALL | {"ward"}),
    # --- the report's photos in the viewer page, and staff documents: whoever may see the case
    ("/cases/photos/<int:attachment_id>", "GET"): staff(_w("/cases/photos/{photo}"), SEE_ALL),
    ("/cases/documents/<int:document_id>", "GET"): staff(_w("/cases/documents/{document}"), SEE_ALL | {"ward"}),
    # --- leadership's report reviews (engine/scheduled.py): an empty POST is refused by validation
    ("/inbox/reviews/<int:run_id>", "GET"): staff(_w("/inbox/reviews/{review}"), frozenset({"leader"})),
    ("/inbox/reviews/<int:run_id>", "POST"): staff(_w("/inbox/reviews/{review}"), frozenset({"leader"}), 422,
                                                   data={}),
    # --- the quarterly review of the procedure: process owners, leadership, inspectors
    ("/studio/review", "GET"): staff("/studio/review?period=2026-Q4", frozenset({"owner", "leader", "inspector"})),
    ("/studio/review/diagram/<int:number>.bpmn", "GET"): staff("/studio/review/diagram/1.bpmn",
                                                               frozenset({"owner", "leader", "inspector"})),
    # --- reports: leadership, intake and inspectors (every case)
    ("/reports/", "GET"): staff("/reports/", REPORTERS),
    ("/reports/cases", "GET"): staff("/reports/cases?metric=received&period=2026-W48", REPORTERS),
    ("/reports/risk", "GET"): staff("/reports/risk", REPORTERS),
    ("/reports/<kind>/<period>", "GET"): staff("/reports/weekly/2026-W48", REPORTERS),
}


def routes(app) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            for method in (rule.methods or set()) - IGNORED_METHODS}


def without_rule(app) -> list[str]:
    return [f"{method} {rule}" for rule, method in sorted(routes(app) - set(ACCESS))]


def test_every_route_has_a_rule_in_the_matrix(app):
    missing = without_rule(app)
    assert not missing, "new route without a rule: " + ", ".join(missing)
    found = routes(app)
    stale = sorted(set(ACCESS) - found)
    assert not stale, "rule for a route that no longer exists: " + ", ".join(f"{m} {r}" for r, m in stale)


def test_a_route_added_without_a_rule_is_caught(app):
    app.add_url_rule("/reports/export.csv", "export", lambda: "", methods=["GET", "POST"])
    assert without_rule(app) == ["GET /reports/export.csv", "POST /reports/export.csv"]


def test_each_row_requests_the_route_it_stands_for(app, world):
    """A row's URL must reach its own rule (not, say, the API's catch-all), or the row checks nothing."""
    adapter = app.url_map.bind("localhost")
    wrong = []
    for (rule, method), access in ACCESS.items():
        url = access.url(world) if callable(access.url) else access.url
        matched, _args = adapter.match(urlsplit(url).path, method=method, return_rule=True)
        if matched.rule != rule:
            wrong.append(f"{method} {url} reaches {matched.rule}, not {rule}")
    assert wrong == []


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "purple").save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def world(app, factory, drive, clock, monkeypatch):
    """Cases at known steps (a level-1 case of Bến Thành ward, a level-3 case with the inspectorate — its task
    claimed by `inspectorate` — police and market management, a new report waiting for screening, a report with
    a photo, a level-3 case coordinating with the police), a version, a draft and a registered application."""
    monkeypatch.setenv("RR_LIMIT_SUBMIT", "100/minute")
    level1 = drive.report()
    drive.do("intake", level1, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", level1, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    level3 = drive.report(ward="ward-sai-gon")
    drive.do("intake", level3, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", level3, "classify", {"level": 3, "handling_unit": "inspectorate",
                                            "agencies": ["police", "market-mgmt"]})
    coordinating = level_3(drive, ["police"])  # past "Start handling": the agencies' and the inspectorate's tasks
    new = drive.report()
    handle = next(t for t in drive.open_tasks(level3) if t.unit == "inspectorate")
    with transaction(factory) as session:  # claimed by the inspectorate's officer: only they may release it
        cases.claim_task(session, drive.actor("inspectorate"), level3, handle.task_id)
        store = AttachmentStore(app.config["ATTACHMENTS_DIR"])
        api_key = citizen.register_client(session, "matrix", "tests")
        photo_case = citizen.submit(session, store, {**REPORT, "facility_name": "Phòng khám Ánh Sáng"},
                                    uploads=[Upload("a.jpg", io.BytesIO(_jpeg()))], key="matrix-token",
                                    client=citizen.client_for_key(session, api_key))
        pdf = DocumentStore(app.config["ATTACHMENTS_DIR"]).save_documents(
            [Upload("bien-ban.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"))])[0]
        document = TaskDocument(case_id=level1, task_name="enter_result",
                                task_title="Nhập kết quả xử lý / Enter result",
                                filename=pdf.filename, content_type=pdf.content_type, size=pdf.size,
                                storage_key=pdf.storage_key, uploaded_by="ward")
        session.add(document)
        session.flush()
        version = versions.active_version(session)
        draft = studio.new_draft(session, "owner", version)
        codes = {"level1_code": session.get(Case, level1).code,
                 "photo_code": photo_case.case.code, "photo": photo_case.attachments[0].id,
                 "version": version.id, "draft": draft.id,
                 "document": document.id}
    return {"level1": level1, "level3": level3, "new": new, "screen_task": drive.task(new, "screen").task_id,
            "review": _open_report_review(factory, clock),
            "handle_task": handle.task_id, "coordinating": coordinating,
            "acknowledge_task": drive.task(coordinating, "acknowledge_request").task_id,
            "coordinate_task": drive.task(coordinating, "coordinate").task_id, "token": photo_case.token,
            "api_key": api_key, **codes}


def _open_report_review(factory, clock) -> int:
    """The weekly report review of the leadership (fired a week ahead, then the clock goes back)."""
    with transaction(factory) as session:
        scheduled.install(session, actor="tests")
    started = clock.now()
    clock.set(briefings.next_weekly(started) + timedelta(minutes=1))
    scheduled.run_due(factory, "tests")
    clock.set(started)
    with transaction(factory) as session:
        return scheduled.open_reviews(session, Actor("leader", frozenset({"leadership"})))[0].id


def outcome(response) -> int | str:
    if response.status_code in (301, 302, 303, 307, 308):
        target = urlsplit(response.headers["Location"]).path
        return LOGIN if target == "/login" else f"redirect:{target}"
    return response.status_code


def matches(got: int | str, expected: int | str) -> bool:
    if isinstance(expected, str) and expected.startswith("redirect:"):
        return isinstance(got, str) and got.startswith(expected)
    return got == expected


@pytest.mark.parametrize("who", [*ROLES, ANONYMOUS])
def test_each_user_gets_exactly_what_the_matrix_says_on_every_route(app, as_user, browser, world, who):
    client = browser if who == ANONYMOUS else as_user(who)
    wrong = []
    # reads first, then actions, signing out last
    for (rule, method), access in sorted(ACCESS.items(), key=lambda item: (item[0][1] == "POST",
                                                                           item[0][0] == "/logout")):
        url = access.url(world) if callable(access.url) else access.url
        data = access.data(world) if callable(access.data) else access.data
        response = client.client.open(url, method=method, data=data, headers=access.headers)
        got = outcome(response)
        response.close()
        if not matches(got, access.expected(who)):
            wrong.append(f"{method} {rule} ({url}): {got}, expected {access.expected(who)}")
    assert wrong == []


def test_a_refused_page_explains_itself_in_the_layout(as_user, world):
    response = as_user("ward").get("/admin/users")
    assert response.status_code == 403
    assert 'id="error-message"' in response.get_data(as_text=True)


def test_an_unknown_case_is_a_clear_404(as_user, world):
    response = as_user("intake").get("/cases/999999")
    assert response.status_code == 404
    assert "999999" in response.get_data(as_text=True)
