"""The studio's decision table editor: a draft's DMN files (the deadline and routing rules) edited with dmn-js,
saved into the draft through `engine.studio.save_table`, validated with the whole draft. Deploying the draft
(on the draft page) deploys diagram and tables as one version.

Routes of the studio blueprint, kept in their own module; `webui.studio` imports it at its end.
"""
from __future__ import annotations

from flask import Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _

from engine import studio
from engine.errors import NotFound, ProcessError
from engine.models import ProcessDraft, Role
from engine.validation import validate_bundle

from .auth import current_actor, roles_required
from .db import db
from .i18n import problem_list
from .studio import UPLOAD_LIMIT, bp, refused_as_json


def _table_file(found: ProcessDraft, name: str | None) -> str:
    """The draft's table file `name` (by default its first); a clear 404 when the draft has no such table."""
    tables = sorted(found.bundle.get("dmn") or {})
    if not tables:
        raise NotFound(_("This draft has no decision tables."))
    if name is None:
        return tables[0]
    if name not in tables:
        raise NotFound(_("The draft has no decision table %(name)s.", name=name))
    return name


def _body_text(filename: str) -> str:
    request.max_content_length = min(current_app.config.get("MAX_CONTENT_LENGTH") or UPLOAD_LIMIT, UPLOAD_LIMIT)
    try:
        return request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProcessError(_("%(file)s: not UTF-8 text", file=filename)) from exc


@bp.get("/drafts/<int:draft_id>/tables")
@roles_required(Role.PROCESS_OWNER)
def tables(draft_id: int):
    found = studio.get_draft(db(), draft_id)
    filename = _table_file(found, request.args.get("file"))
    return render_template("studio/dmn.html", draft=found, filename=filename,
                           files=sorted(found.bundle.get("dmn") or {}))


@bp.get("/drafts/<int:draft_id>/tables/<name>")
@roles_required(Role.PROCESS_OWNER)
def table_xml(draft_id: int, name: str):
    found = studio.get_draft(db(), draft_id)
    return Response(found.bundle["dmn"][_table_file(found, name)], mimetype="application/xml")


@bp.post("/drafts/<int:draft_id>/tables/<name>")
@roles_required(Role.PROCESS_OWNER)
def save_table(draft_id: int, name: str):
    """The table editor saves its XML (the request body); answers with the draft's problems as JSON (a refused
    file: 422 with its problems, in the page's language)."""
    session = db()
    found = studio.get_draft(session, draft_id)
    refused_as_json()
    filename = _table_file(found, name)
    problems = studio.save_table(session, current_actor().username, found, filename, _body_text(filename))
    return jsonify(saved=True, problems=problem_list(problems))


@bp.post("/drafts/<int:draft_id>/tables/<name>/validate")
@roles_required(Role.PROCESS_OWNER)
def validate_table(draft_id: int, name: str):
    """The problems the draft would have with the editor's XML (the request body), without saving it."""
    found = studio.get_draft(db(), draft_id)
    filename = _table_file(found, name)
    refused_as_json()
    bundle = {**found.bundle, "dmn": {**(found.bundle.get("dmn") or {}), filename: _body_text(filename)}}
    return jsonify(problems=problem_list(validate_bundle(bundle)))
