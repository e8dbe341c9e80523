"""The case file: report, attachments, timeline, deadline, diagram and notes; and the task form pages."""
from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine import agencies, audit, casefile, caselist, cases, directory, documents, versions
from engine.errors import Conflict, EngineError, NotFound, PermissionDenied, ValidationError
from engine.messages import t
from engine.models import Case, Role

from . import case_media, deadlines, diagram_names, formrender, list_filters, params
from .auth import current_actor, roles_required
from .db import db, on_failure
from .deadlines import deadline_of, deadline_view, duration_words
from .i18n import error_text, lang, local_name, translate
from .labels import CATEGORIES, STATUSES

bp = Blueprint("cases", __name__, url_prefix="/cases")
bp.add_app_template_global(deadline_of, "deadline_of")
bp.add_app_template_global(deadline_view, "deadline_view")
bp.add_app_template_global(lambda case: agencies.agency_panel(db(), case), "agency_panel")
bp.add_app_template_global(duration_words, "duration_words")
LIST_ROLES = tuple(sorted(caselist.LIST_ROLES))


MAX_PAGE = 100_000  # 5 million cases at 50 a page


@bp.get("/")
@roles_required(*LIST_ROLES)
def index():
    listed = list_filters.parse(request.args)
    page = params.int_arg(request.args, "page", 1, minimum=1, maximum=MAX_PAGE)
    found = caselist.CasePage([], 0, 1, caselist.PAGE_SIZE)
    if not listed.problems:
        try:
            found = caselist.list_cases(db(), current_actor(), listed.wanted, page=page)
        except ValidationError as refused:  # shown above the list, with the filters as typed
            listed.refused(refused.errors)
    wards = directory.wards(db())
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("cases/index.html", found=found, wanted=listed.wanted, query=query, statuses=STATUSES,
                           categories=CATEGORIES, wards=wards, units=_unit_options()["handling_unit"],
                           problems=listed.problems, typed=request.args,
                           other_than_period={k: v for k, v in query.items() if k != "period"},
                           agency_scope=not current_actor().roles & (caselist.LIST_ROLES - {Role.COORDINATOR})), \
        listed.status


@bp.get("/<int:case_id>")
@login_required
def show(case_id: int, note: str = "", note_error: str | None = None):
    """The case file; after a refused note, with the typed note and why (422)."""
    found = casefile.case_file(db(), current_actor(), case_id)  # records the audit entry if the contact is shown
    timeline = [timeline_entry(found.case, event) for event in found.events]
    return render_template("cases/show.html", case=found.case, notes=found.notes, attachments=found.attachments,
                           tasks=found.tasks, timeline=timeline, show_reporter=found.show_reporter,
                           mine={t.task_id for t in found.tasks if _may_work_on(t)}, documents=found.documents,
                           people=found.people, result=_result_summary(found),
                           read_only=cases.coordinator_read_only(current_actor(), found.case),
                           read_only_text=_read_only_text(), note=note, note_error=note_error), \
        422 if note_error else 200


def _read_only_text() -> str:
    return _("Read only: this case is closed or your agency is no longer invited to it. You can read it, but no "
             "longer complete tasks, attach documents or add notes.")


def _read_only_refusal(case: Case):
    """A coordinator who may only read this case: the case page with the reason, nothing saved."""
    flash(_read_only_text(), "warning")
    return redirect(url_for(".show", case_id=case.id))


def _result_summary(found: casefile.CaseFile) -> dict | None:
    """The published result for the top of the case page: its fields as the form labels them."""
    result = casefile.published_result(found.case, found.events)
    if result is None:
        return None
    try:
        schema = versions.version_form(found.case.process_version, result.form) or {}
    except NotFound:
        schema = {}
    return {"result": result, "summary": formrender.summarize(schema, result.data, lang=lang(),
                                                               options=_unit_options())}


def _may_work_on(item) -> bool:
    try:
        cases.permitted_task(db(), current_actor(), item.case_id, item.task_id)
    except (NotFound, PermissionDenied):
        return False
    return item.claimed_by in (None, current_user.username)


def timeline_entry(case: Case, event) -> dict:
    """An event as the timeline shows it; submitted task data summarized with the form's labels."""
    summary = []
    data = (event.detail or {}).get("data")
    if event.kind == "task_completed" and isinstance(data, dict):
        schema = None
        item_form = (event.detail or {}).get("form") or event.task_name
        try:
            schema = versions.version_form(case.process_version, item_form)
        except NotFound:
            schema = None
        summary = formrender.summarize(schema or {}, data, lang=lang(), options=_unit_options())
    return {"event": event, "summary": summary}


@bp.route("/<int:case_id>/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def task(case_id: int, task_id: str):
    session = db()
    actor = current_actor()
    try:  # a submission needs the case's events only to show the form again
        page = casefile.task_page(session, actor, case_id, task_id, with_events=request.method == "GET")
    except (PermissionDenied, NotFound) as refused:
        case = cases.get_case(session, case_id)  # NotFound (404) when the case itself does not exist
        if cases.can_view(actor, case) and cases.coordinator_read_only(actor, case):  # others: as before
            return _read_only_refusal(case)
        if isinstance(refused, PermissionDenied):
            raise
        if request.method == "POST":  # submitted too late: someone else completed it in the meantime
            raise Conflict(t("task_done_by_other"), case_id=case.id,
                           row_version=case.row_version) from None
        flash(_("This task is no longer open: someone completed it or the case moved on. "
                "Here is the case as it is now."), "warning")
        return redirect(url_for(".show", case_id=case_id)) if cases.can_view(actor, case) else \
            redirect(url_for("inbox.index"))
    case = page.case
    schema = versions.version_form(case.process_version, page.item.form) or {"type": "object", "properties": {}}
    schema = deadlines.with_level_deadlines(schema, versions.deadline_hours(case.process_version))
    if request.method == "GET":
        return _task_form(page, schema, _prefilled(case, schema), {}, 200)
    values, errors = formrender.parse_submission(schema, request.form)
    if errors:
        errors.update(_documents_not_saved(schema))
        return _task_form(casefile.task_page(session, actor, case_id, task_id), schema, values, errors, 422)

    def not_saved(error: EngineError):
        """Nothing of the submission was saved: the form again with the input, on the case as it is now."""
        if isinstance(error, documents.DocumentRejected):  # a form without a file field shows it at the top
            field = "documents" if documents.accepts_documents(schema) else ""
            return _task_form(casefile.task_page(db(), actor, case_id, task_id), schema, values,
                              {field: case_media.rejection_text(error)}, 422)
        if isinstance(error, ValidationError):
            problems = {**error.form_errors(), **_documents_not_saved(schema)}
            return _task_form(casefile.task_page(db(), actor, case_id, task_id), schema, values, problems, 422)
        fresh = casefile.fresh_task_page(db(), actor, case_id, task_id)  # Conflict if the task is gone
        flash(_("Not saved: %(reason)s. Your input is shown below; check the case and submit again.",
                reason=error_text(error)), "warning")
        return _task_form(fresh, schema, values, {}, 409, conflict=error_text(error))

    # NotFound here: the task was open a moment ago, so someone completed it in between
    on_failure((ValidationError, Conflict, NotFound), not_saved)
    if documents.accepts_documents(schema) or case_media.chosen_documents():  # files for a form without: refused
        case_media.attach_documents(case_id, task_id)  # before completing: the task must still be open
    cases.complete_task(session, actor, case_id, task_id, values,
                        expected_version=params.int_arg(request.form, "row_version", None))  # absent: unchecked
    flash(_("Done: “%(task)s” for case %(code)s is complete.", task=local_name(page.item.title), code=case.code),
          "success")
    return redirect(url_for("inbox.index"))


def _documents_not_saved(schema: dict) -> dict[str, str]:
    """What a refused submission says of the files it carried: choose them again, or (a crafted request to a form
    without a file field) that the task takes none, at the top of the form."""
    if not case_media.chosen_documents():
        return {}
    if documents.accepts_documents(schema):
        return {"documents": _("Nothing was saved: please choose the documents again.")}
    return {"": _("This task takes no documents.")}


def _task_form(page: casefile.TaskPage, schema: dict, values: dict, errors: dict, status: int,
               conflict: str | None = None):
    fields = formrender.render_fields(schema, values, errors, lang=lang(), options=_unit_options(offered=True))
    show_reporter = audit.show_reporter(db(), current_actor(), page.case, page="task")  # audited when shown
    return render_template("cases/task.html", case=page.case, item=page.item, fields=fields, errors=errors,
                           conflict=conflict, show_reporter=show_reporter, form_title=_form_title(schema),
                           earlier=_earlier_work(page), attachments=page.attachments, people=page.people,
                           takes_documents=documents.accepts_documents(schema)), status


def _prefilled(case: Case, schema: dict) -> dict:
    """Initial values a form asks for with "x-prefill": "ward" (the People's Committee unit of the report's ward,
    e.g. the handling unit on Classify) or "user_name" (the signed-in person's full name, e.g. who confirms)."""
    known = {"ward": case.ward, "user_name": current_user.display_name}
    return {name: known[prop["x-prefill"]] for name, prop in schema.get("properties", {}).items()
            if isinstance(prop, dict) and isinstance(prop.get("x-prefill"), str) and known.get(prop["x-prefill"])}


def _earlier_work(page: casefile.TaskPage) -> list[dict]:
    """The latest submission of each earlier step worth seeing (per agency for the coordination steps)."""
    latest: dict[tuple[str, str], dict] = {}
    for event in page.events:  # the completions of casefile.EARLIER_STEPS, oldest first
        latest[(event.task_name, event.actor)] = timeline_entry(page.case, event)
    return list(latest.values())


def _form_title(schema: dict) -> str:
    if lang() == "en":
        return schema.get("x-title-en") or schema.get("title", "")
    return schema.get("title", "")


def _unit_options(offered: bool = False) -> dict[str, list[tuple[str, str]]]:
    """Units named in forms (all of them: a past entry may name a unit deactivated since) or, `offered`, the
    active units a form field takes (`directory.UNIT_FIELDS`); read once per request, however many timeline entries
    use them."""
    key = "offered_units" if offered else "unit_options"
    if key not in g:
        version = getattr(current_user, "units_version", None)
        units = g.all_units = directory.units_as_of(db(), version)
        setattr(g, key, {field: [(u.code, u.name) for u in units if u.kind in kinds and (u.active or not offered)]
                         for field, kinds in directory.UNIT_FIELDS.items()})
    return getattr(g, key)


@bp.post("/<int:case_id>/notes")
@login_required
def add_note(case_id: int):

    def not_saved(error: EngineError):  # the case page again, the typed note kept under the reason
        reason = translate(next(iter(error.errors.values()), None)) or error_text(error)
        return show(case_id, request.form.get("body", ""), _("The note was not saved: %(reason)s", reason=reason))

    on_failure(ValidationError, not_saved)
    case = cases.viewable_case(db(), current_actor(), case_id)
    if cases.coordinator_read_only(current_actor(), case):
        return _read_only_refusal(case)
    cases.add_note(db(), current_actor(), case_id, request.form.get("body", ""))
    flash(_("Note added."), "success")
    return redirect(url_for(".show", case_id=case_id, _anchor="notes"))


@bp.get("/code/<code>")
@login_required
def by_code(code: str):
    """Open a case by its tracking code (used for duplicate hints and by people reading a code aloud)."""
    case = cases.get_case_by_code(db(), code[:20])
    return redirect(url_for(".show", case_id=case.id))


@bp.get("/<int:case_id>/diagram.bpmn")
@login_required
def diagram(case_id: int):
    case = cases.viewable_case(db(), current_actor(), case_id)
    response = Response(diagram_names.localized(versions.main_diagram(case.process_version)),
                        mimetype="application/xml")
    response.vary.add("Cookie")  # the names follow the language of the session
    return response


@bp.get("/<int:case_id>/diagram-state.json")
@login_required
def diagram_state(case_id: int):
    case = cases.viewable_case(db(), current_actor(), case_id)
    return jsonify(cases.diagram_state(case))


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    item = casefile.staff_attachment(db(), current_actor(), attachment_id)
    folder = Path(current_app.config["ATTACHMENTS_DIR"])
    response = send_from_directory(folder, item.storage_key, mimetype=item.content_type, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'"
    return response


__all__ = ["bp"]
