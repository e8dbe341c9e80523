"""The process studio, for process owners: versions and drafts of each process, the diagram editor (bpmn-js
Modeler) with validation shown on the diagram, task-form editing with a live preview, deployment, roll back,
version differences, the live view of where cases wait, and the audit log.

Uploaded and edited diagrams may be hostile: they only reach the engine as size-limited UTF-8 text, and the
engine parses them safely (no DOCTYPE, no entities, no deep trees) before anything is stored.
"""
from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from lxml import etree
from werkzeug.utils import secure_filename

from engine import studio, studio_reads, versions
from engine.errors import Conflict, DraftDeployed, NotFound, ProcessError, ValidationError
from engine.models import ProcessDraft, Role
from engine.validation import BPMN, validate_bundle
from engine.versions import MAX_DIAGRAM_BYTES

from . import diagram_names, params
from .auth import current_actor, roles_required
from .db import db, on_failure
from .errors import wants_json
from .i18n import error_text, local_time, problem_list, translate

bp = Blueprint("studio", __name__, url_prefix="/studio")
MAX_FILE_NAME = 100  # characters of an uploaded diagram's name that are kept
UPLOAD_LIMIT = MAX_DIAGRAM_BYTES + 64 * 1024  # the largest diagram plus room for the multipart envelope
AUDIT_ROWS = 200
AUDIT_KINDS = {
    "draft_created": _l("Draft created"),
    "draft_diagram_saved": _l("Draft diagram saved"),
    "draft_form_saved": _l("Draft form saved"),
    "draft_table_saved": _l("Draft decision table saved"),
    "version_deployed": _l("Version deployed"),
    "draft_deployed": _l("Draft deployed"),
    "version_activated": _l("Version activated"),
    "user_created": _l("User created"),
    "user_updated": _l("User updated"),
    "api_client_registered": _l("API client registered"),
}


# ---- processes and versions ---------------------------------------------------------------------------------

@bp.get("/")
@roles_required(Role.PROCESS_OWNER)
def index():
    return render_template("studio/index.html", processes=studio.processes(db()))


@bp.get("/<process_id>")
@roles_required(Role.PROCESS_OWNER)
def process(process_id: str):
    session = db()
    rows = studio.version_rows(session, process_id)
    active = next((row.version for row in rows if row.version.active), None)
    drafts = studio.draft_rows(session, process_id)
    return render_template("studio/process.html", process_id=process_id, rows=rows, active=active, drafts=drafts)


@bp.get("/versions/<int:version_id>")
@roles_required(Role.PROCESS_OWNER)
def version(version_id: int):
    found = studio.get_version(db(), version_id)
    return render_template("studio/version.html", version=found, counts=studio.live_counts(db(), found),
                           names=_element_names(found.bundle))


@bp.get("/versions/<int:version_id>/live.json")
@roles_required(Role.PROCESS_OWNER)
def live(version_id: int):
    return jsonify(studio.live_counts(db(), studio.get_version(db(), version_id)))


@bp.get("/versions/<int:version_id>/diagram.bpmn")
@roles_required(Role.PROCESS_OWNER)
def version_diagram(version_id: int):
    found = studio.get_version(db(), version_id)
    response = Response(diagram_names.localized(found.bundle["bpmn"][main_file(found.bundle, found.process_id)]),
                        mimetype="application/xml")
    response.vary.add("Cookie")  # a viewer: names in the session's language (downloads and the editor keep them)
    return response


@bp.get("/versions/<int:version_id>/download")
@roles_required(Role.PROCESS_OWNER)
def download_version(version_id: int):
    found = studio.get_version(db(), version_id)
    name = main_file(found.bundle, found.process_id)
    return _attachment(found.bundle["bpmn"][name], f"{found.process_id}-v{found.number}-{name}")


@bp.post("/versions/<int:version_id>/draft")
@roles_required(Role.PROCESS_OWNER)
def new_draft(version_id: int):
    session = db()
    draft = studio.new_draft(session, current_actor().username, studio.get_version(session, version_id))
    flash(_("Draft %(id)s created; it changes nothing until it is deployed.", id=draft.id), "success")
    return redirect(url_for(".draft", draft_id=draft.id))


@bp.post("/versions/<int:version_id>/activate")
@roles_required(Role.PROCESS_OWNER)
def activate(version_id: int):
    session = db()
    found = studio.activate(session, current_actor().username, studio.get_version(session, version_id))
    flash(_("Version %(number)s is now active: new cases start on it; running cases keep their version.",
            number=found.number), "success")
    return redirect(url_for(".process", process_id=found.process_id))


@bp.get("/diff")
@roles_required(Role.PROCESS_OWNER)
def diff():
    if not request.args.get("a") or not request.args.get("b"):
        abort(400, _("Choose two versions to compare."))
    a, b = params.int_arg(request.args, "a", 0), params.int_arg(request.args, "b", 0)
    old, new = studio.get_version(db(), a), studio.get_version(db(), b)
    return render_template("studio/diff.html", old=old, new=new, changes=studio.diff(old.bundle, new.bundle))


@bp.get("/audit")
@roles_required(Role.PROCESS_OWNER)
def audit():
    entries = studio_reads.change_log(db(), current_actor(), AUDIT_KINDS, AUDIT_ROWS)  # not views of contact
    return render_template("studio/audit.html", entries=entries, kinds=AUDIT_KINDS)


# ---- drafts: the diagram editor -----------------------------------------------------------------------------

@bp.get("/drafts/<int:draft_id>")
@roles_required(Role.PROCESS_OWNER)
def draft(draft_id: int):
    found = studio.get_draft(db(), draft_id)
    return _editor(found, _draft_file(found))


@bp.get("/drafts/<int:draft_id>/diagram.bpmn")
@roles_required(Role.PROCESS_OWNER)
def draft_diagram(draft_id: int):
    found = studio.get_draft(db(), draft_id)
    return Response(found.bundle["bpmn"][_draft_file(found)], mimetype="application/xml")


@bp.get("/drafts/<int:draft_id>/download")
@roles_required(Role.PROCESS_OWNER)
def download_draft(draft_id: int):
    found = studio.get_draft(db(), draft_id)
    name = _draft_file(found)
    return _attachment(found.bundle["bpmn"][name], name)


@bp.post("/drafts/<int:draft_id>/diagram")
@roles_required(Role.PROCESS_OWNER)
def save_diagram(draft_id: int):
    """The editor saves its XML (the request body); answers with the draft's problems as JSON."""
    session = db()
    found = studio.get_draft(session, draft_id)
    refused_as_json()
    filename = _draft_file(found)
    problems = studio.save_diagram(session, current_actor().username, found, filename, _body_text(filename))
    return jsonify(saved=True, problems=problem_list(problems), saved_at=found.updated_at.isoformat(),
                   last_saved=_last_saved(found))


@bp.post("/drafts/<int:draft_id>/validate")
@roles_required(Role.PROCESS_OWNER)
def validate(draft_id: int):
    """The problems the draft would have with the editor's XML (the request body), without saving it."""
    found = studio.get_draft(db(), draft_id)
    filename = _draft_file(found)
    try:
        text = _body_text(filename)
    except ProcessError as exc:
        return jsonify(problems=_error_problems(exc))
    bundle = {**found.bundle, "bpmn": {**found.bundle.get("bpmn", {}), filename: text}}
    return jsonify(problems=problem_list(validate_bundle(bundle)))


@bp.post("/drafts/<int:draft_id>/upload")
@roles_required(Role.PROCESS_OWNER)
def upload(draft_id: int):
    session = db()
    found = studio.get_draft(session, draft_id)
    request.max_content_length = min(current_app.config.get("MAX_CONTENT_LENGTH") or UPLOAD_LIMIT, UPLOAD_LIMIT)
    uploaded = request.files.get("file")
    if uploaded is None or not uploaded.filename:
        raise ValidationError(_("Choose a .bpmn file to upload."), {"file": _("No file was chosen.")})
    data = uploaded.stream.read(MAX_DIAGRAM_BYTES + 1)
    if len(data) > MAX_DIAGRAM_BYTES:
        raise ProcessError(_("The file is larger than %(kib)s KiB.", kib=MAX_DIAGRAM_BYTES // 1024))
    target = request.form.get("target") or ""
    name = (target if target in found.bundle.get("bpmn", {})
            else secure_filename(uploaded.filename)[:MAX_FILE_NAME].removesuffix(".bpmn") or "diagram")
    name = name if name.endswith(".bpmn") else f"{name}.bpmn"
    problems = studio.save_diagram(session, current_actor().username, found, name, _diagram_text(data, name))
    if problems:
        flash(_("Diagram uploaded; it has %(count)s problem(s) to fix before it can be deployed.",
                count=len(problems)), "warning")
    else:
        flash(_("Diagram uploaded; no problems found."), "success")
    main = main_file(found.bundle, found.process_id)
    return redirect(url_for(".draft", draft_id=found.id, file=None if name == main else name))


@bp.get("/drafts/<int:draft_id>/deploy")
@roles_required(Role.PROCESS_OWNER)
def confirm_deploy(draft_id: int):
    """The confirmation before deploying: problems, running cases, what changes. A page (the Deploy button
    without JavaScript) or, with `?dialog=1`, the content of the editor's dialog."""
    preview = studio.deploy_preview(db(), studio.get_draft(db(), draft_id))
    dialog = request.args.get("dialog") == "1"
    return render_template("studio/_deploy_confirm.html" if dialog else "studio/deploy.html", preview=preview,
                           dialog=dialog, note=params.text_arg(request.args, "note", max_length=500))


@bp.post("/drafts/<int:draft_id>/deploy")
@roles_required(Role.PROCESS_OWNER)
def deploy(draft_id: int):
    session = db()
    found = studio.get_draft(session, draft_id)
    note = params.text_arg(request.form, "note", max_length=500) or None  # longer: refused, never cut
    confirmed = (request.form.get("confirm") or "").strip()[:64]
    if not confirmed:  # nothing is deployed before the owner has seen the confirmation
        return redirect(url_for(".confirm_deploy", draft_id=found.id, note=note), 303)
    filename = _draft_file(found)
    on_failure(ProcessError, lambda exc: _editor(studio.get_draft(db(), draft_id), filename, _error_problems(exc),
                                                 message=_("Not deployed: the draft has problems."), status=422))
    on_failure(Conflict, lambda exc: _changed_since_confirmation(exc, draft_id, note))
    deployed = studio.deploy_draft(session, current_actor().username, found, note, confirmed_hash=confirmed)
    flash(_("Deployed as version %(number)s; new cases start on it, running cases keep their version.",
            number=deployed.number), "success")
    return redirect(url_for(".process", process_id=deployed.process_id))


def _changed_since_confirmation(error: Conflict, draft_id: int, note: str | None):
    """The draft was saved again after the owner opened the deploy summary: show the summary again."""
    if isinstance(error, DraftDeployed):
        return _read_only(error)
    flash(_("The draft changed after you opened this summary; check it again before deploying."), "warning")
    return redirect(url_for(".confirm_deploy", draft_id=draft_id, note=note), 303)


@bp.errorhandler(DraftDeployed)
def _read_only(error: DraftDeployed):
    """A change to a deployed draft: said clearly, with the way on (a new draft from its version)."""
    message = _("This draft was deployed as version %(number)s and is read-only. To change the process, start a "
                "new draft from version %(number)s.", number=error.version_number)
    if wants_json():
        return jsonify(saved=False, error=message, problems=[], deployed_as=error.version_number,
                       new_draft=url_for(".new_draft", version_id=error.version_id)), 409
    flash(message, "warning")
    return redirect(url_for(".draft", draft_id=(request.view_args or {}).get("draft_id", 0)), 303)


def _last_saved(found: ProcessDraft) -> str:
    return _("last saved by %(who)s, %(when)s", who=found.updated_by, when=local_time(found.updated_at))


def _editor(found: ProcessDraft, filename: str, problems: list[dict] | None = None, message: str | None = None,
            status: int = 200):
    return render_template("studio/draft.html", draft=found, filename=filename, files=sorted(found.bundle["bpmn"]),
                           state=studio.draft_state(db(), found), last_saved=_last_saved(found),
                           forms=sorted(found.bundle.get("forms", {})), problems=problems or [], message=message,
                           based_on=studio.get_version(db(), found.based_on_id) if found.based_on_id else None
                           ), status


# ---- helpers ------------------------------------------------------------------------------------------------

def main_file(bundle: dict[str, Any], process_id: str) -> str:
    """The file name of the diagram that holds the main process; a clear 404 for an empty bundle."""
    name = versions.main_file(bundle, process_id)
    if name is None:
        raise NotFound(_("There is no diagram in this bundle."))
    return name


def _element_names(bundle: dict[str, Any]) -> dict[str, str]:
    """Element id → name over the bundle's diagrams (deployed versions only: their XML is known to be safe)."""
    names: dict[str, str] = {}
    for text in bundle.get("bpmn", {}).values():
        for element in versions.parse_xml(text).iter():
            if isinstance(element.tag, str) and element.get("id") and element.get("name"):
                names[element.get("id")] = element.get("name")
    return names


def _draft_file(found: ProcessDraft) -> str:
    """The draft file the request is about (`?file=`), by default the main diagram; a file the draft does not
    have is a 404 (a save meant for it went into the main diagram)."""
    name = request.args.get("file")
    if not name:
        return main_file(found.bundle, found.process_id)
    if name not in found.bundle.get("bpmn", {}):
        raise NotFound(_("The draft has no diagram file %(name)s.", name=name[:100]))
    return name


def _body_text(filename: str) -> str:
    request.max_content_length = min(current_app.config.get("MAX_CONTENT_LENGTH") or UPLOAD_LIMIT, UPLOAD_LIMIT)
    return _diagram_text(request.get_data(cache=False), filename)


def _diagram_text(data: bytes, filename: str) -> str:
    """The uploaded bytes as text, if they are UTF-8 and (parsed safely) a BPMN document; ProcessError if not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProcessError(_("The file is not UTF-8 text, so it is not a BPMN diagram."),
                           [_("byte %(position)s cannot be read", position=exc.start)]) from exc
    root = versions.parse_xml(text, filename)
    if root.tag != f"{{{BPMN}}}definitions":
        raise ProcessError(_("The file is XML but not a BPMN diagram (it starts with <%(tag)s>).",
                             tag=etree.QName(root).localname if isinstance(root.tag, str) else "?"))
    return text


def refused_as_json() -> None:
    """A file the editor sent that is refused (not XML, not UTF-8, too large…) is answered as JSON: 422, not saved,
    the error and its problems in the page's language."""
    on_failure((ProcessError, ValidationError),
               lambda exc: (jsonify(saved=False, error=error_text(exc), problems=_error_problems(exc)), 422))


def _error_problems(exc: ProcessError | ValidationError) -> list[dict]:
    if isinstance(exc, ValidationError):
        return [{"message": f"{field}: {translate(text)}" if field else translate(text)}
                for field, text in exc.errors.items()] or [{"message": error_text(exc)}]
    return problem_list(exc.details or [{"message": exc.args[0] if exc.args else str(exc)},
                                        *({"message": p} for p in exc.problems)])


def _attachment(text: str, name: str):
    return send_file(io.BytesIO(text.encode("utf-8")), mimetype="application/xml", as_attachment=True,
                     download_name=name)


from . import studio_forms, studio_tables  # noqa: E402, F401 - the form and table editors' routes on this blueprint
