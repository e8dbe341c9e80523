"""The citizen portal: report a violation (no account), follow it by tracking code, rate the result."""
from __future__ import annotations

import re
import secrets

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _

from engine import cases, citizen, procedure_faults, reporter_messages, tracking_codes, units, versions
from engine.attachments import public_key
from engine.errors import (
    CommitFailed,
    Conflict,
    DuplicateSubmission,
    EngineError,
    NotFound,
    ProcessError,
    ValidationError,
)
from engine.tracking_codes import BadTrackingCode, CodeProblem

from . import formrender, params
from .attachments import store
from .db import after_commit, db, on_failure
from .deadlines import deadline_view
from .errors import status_of
from .i18n import lang, local_time, translate
from .labels import CATEGORIES, STATUSES, label
from .limits import limiter, lookup, lookup_when_refused, submit_limit

bp = Blueprint("portal", __name__)
CONTACT_FIELDS = ("name", "phone", "email")
HONEYPOT = "website"  # hidden from people; bots fill it in
TRACKING_CODE = re.compile(r"^[A-Za-z0-9-]+$")


def _report_schema() -> dict:
    return versions.version_form(versions.active_version(db()), "report") or {}


def _ward_options() -> dict[str, list[tuple[str, str]]]:
    """The active wards, communes and special zone by name (static/ward-picker.js adds search-as-you-type)."""
    return {"ward": [(w.code, w.name) for w in units.local_units(db())]}


@bp.get("/report")
def report_form():
    return _render_report({}, {}, {}, anonymous=False)


def _render_report(values: dict, contact: dict, errors: dict, *, anonymous: bool, status: int = 200):
    schema = _report_schema()
    fields = formrender.render_fields(schema, values, errors, lang=lang(), options=_ward_options(), prefix="r")
    return render_template("portal/report.html", fields=fields, contact=contact, errors=errors, anonymous=anonymous,
                           submission_key=request.form.get("submission_key") or secrets.token_urlsafe(18),
                           honeypot=HONEYPOT), status


@bp.post("/report")
@limiter.limit(submit_limit, methods=["POST"])
def submit_report():
    form = request.form
    anonymous = form.get("anonymous") == "1"
    contact = {k: form.get(k, "").strip() for k in CONTACT_FIELDS}
    schema = _report_schema()
    values, errors = formrender.parse_submission(schema, form)
    if form.get(HONEYPOT):
        errors[""] = _("We could not accept this report. Please try again.")
    if errors:
        return _render_report(values, contact, errors, anonymous=anonymous, status=422)
    key = form.get("submission_key", "")
    submission_key = f"web:{key[:60]}" if key else None

    def not_saved(error: EngineError):
        """Nothing was saved (and the files were deleted with it): the form again, never a tracking code."""
        if isinstance(error, ValidationError):
            return _render_report(values, contact, error.form_errors(), anonymous=anonymous, status=422)
        if isinstance(error, ProcessError):  # the department's diagram failed or went over a limit: never the input
            current_app.logger.error("a report could not be opened, the procedure failed: %s", error.problems)
            procedure_faults.record(db(), error, "web")  # on the Incidents page (committed with this page)
            message = _("Your report could not be saved because of a fault in the department's procedure, not in "
                        "what you entered. It has no tracking code yet; please send it again later (attach the "
                        "photos again too).")
            return _render_report(values, contact, {"": message}, anonymous=anonymous, status=500)
        twin = citizen.submitted_before(db(), submission_key) if isinstance(error, DuplicateSubmission) else None
        if twin is not None:  # the same form sent twice at once: the first request's case is the answer
            return _submitted(twin, contact, anonymous)
        message = _("Your report could not be saved, so it has no tracking code yet. Please send it again "
                    "(attach the photos again too).")
        return _render_report(values, contact, {"": message}, anonymous=anonymous, status=status_of(error))

    on_failure((ValidationError, Conflict, CommitFailed, ProcessError), not_saved)
    uploads = params.posted_files("files")
    done = citizen.submit(db(), store(), values, reporter=contact, anonymous=anonymous, uploads=uploads,
                          key=submission_key, source="web", lang=lang())
    return _submitted(done, contact, anonymous)


def _submitted(done: citizen.Submitted, contact: dict, anonymous: bool):
    """The tracking code goes into the citizen's session only once the case is saved."""
    info = {"code": done.case.code, "duplicate": done.duplicate_hint,
            "email": bool(contact.get("email")) and not anonymous}
    after_commit(lambda: session.update(submitted=info))
    return redirect(url_for(".report_done"))


@bp.get("/report/done")
def report_done():
    info = session.get("submitted")
    if not info:
        return redirect(url_for(".report_form"))
    return render_template("portal/done.html", info=info)


def _code_problem(error: NotFound) -> str:
    """Why a typed code finds nothing, in the citizen's words."""
    problem = error.problem if isinstance(error, BadTrackingCode) else None
    if problem is CodeProblem.LOOKALIKE:
        return _("Tracking codes never contain 0, O, 1, I, L, 2, Z, 5, S, 8 or B. Check the code in your "
                 "message and try again.")
    if problem in (CodeProblem.LENGTH, CodeProblem.CHARACTERS):
        return _("A tracking code has 10 letters and digits, like ABCDE-FGHJK. Check the code and try again.")
    return _("No report has this tracking code. Check the code and try again.")


@bp.get("/track")
@lookup
def track():
    typed = (request.args.get("code") or "")[:60]
    if not typed.strip():
        return render_template("portal/track_lookup.html", code="", error=None)
    try:
        view = citizen.public_view(db(), typed)
    except NotFound as error:
        return render_template("portal/track_lookup.html", code=typed.strip(), error=_code_problem(error)), 404
    return _render_track(view)


STAR_FIELD = "rating"


def _star_rating(schema: dict) -> dict | None:
    """The rating field shown as five stars (a radio group), when the form's rating is a whole number 1–5."""
    prop = schema.get("properties", {}).get(STAR_FIELD) or {}
    if prop.get("type") != "integer" or prop.get("minimum") != 1 or prop.get("maximum") != 5:
        return None
    return {"required": STAR_FIELD in schema.get("required", [])}


def _render_track(view: dict, values: dict | None = None, errors: dict | None = None, status: int = 200):
    case = cases.get_case_by_code(db(), view["code"])
    photos = citizen.public_attachments(db(), case)
    values, errors = values or {}, errors or {}
    feedback = stars = None
    if view["can_rate"]:
        schema = versions.version_form(case.process_version, "citizen_feedback") or {}
        stars = _star_rating(schema)
        names = list(schema.get("properties", {}))
        cut = names.index(STAR_FIELD) if stars is not None else len(names)

        def part(keep: list[str]):  # the fields around the stars, in the form's order
            props = {k: v for k, v in schema.get("properties", {}).items() if k in keep}
            return formrender.render_fields({**schema, "properties": props}, values, errors, lang=lang(), prefix="fb")

        feedback = {"before": part(names[:cut]), "after": part(names[cut + 1:])}
        if stars is not None:
            chosen = values.get(STAR_FIELD)
            stars.update(value=str(chosen) if chosen is not None else "",
                         error="; ".join(str(translate(m)) for p, m in errors.items() if p.split("/")[0] == STAR_FIELD))
    messages = reporter_messages.for_case(db(), case, lang())
    return render_template("portal/track.html", view=view, photos=photos, feedback=feedback, stars=stars,
                           messages=messages, errors=errors), status


@bp.post("/track")
@bp.post("/track/feedback")
@lookup_when_refused
def feedback():
    """The rating form posts to the track page itself: an invalid answer is shown there, with the input kept."""
    code = tracking_codes.normalise(request.form.get("code") or request.args.get("code"))
    case = cases.get_case_by_code(db(), code)
    schema = versions.version_form(case.process_version, "citizen_feedback") or {}
    values, errors = formrender.parse_submission(schema, request.form)
    if errors:
        return _render_track(citizen.public_view(db(), code), values, errors, status=422)

    def not_saved(error: EngineError):
        if isinstance(error, ValidationError):
            return _render_track(citizen.public_view(db(), code), values, error.form_errors(), status=422)
        flash(_("This report is not waiting for a rating any more."), "warning")
        return redirect(url_for(".track", code=code))

    on_failure((ValidationError, Conflict), not_saved)
    citizen.give_feedback(db(), code, values)
    flash(_("Thank you. Your answer has been recorded.") if values.get("resolved") else
          _("Thank you. An inspector will review the case again."), "success")
    return redirect(url_for(".track", code=code))


@bp.get("/track/status.json")
@lookup
def status():
    """One report's status and time left by its code, for "My reports" (static/my-reports.js); each call counts
    against the lookup budget like /track. The codes stay in the citizen's browser: nothing is stored here."""
    try:
        view = citizen.public_view(db(), (request.args.get("code") or "")[:60])
    except NotFound as error:
        return jsonify({"error": _code_problem(error)}), 404
    dl = deadline_view(view["deadline"])
    time_text = {"overdue": (_("overdue by") + " " + dl["text"]) if dl["text"] else _("Overdue"),
                 "running": dl["text"], "handled": dl["text"]}.get(dl["kind"], "")
    response = jsonify({
        "code": view["code"], "status": view["status"], "status_label": label(STATUSES, view["status"]),
        "category_label": label(CATEGORIES, view["category"]), "facility": view["facility_name"] or "",
        "received": local_time(view["received_at"]), "deadline_kind": dl["kind"], "time_text": time_text,
        "time_css": dl["css"], "can_rate": view["can_rate"], "url": url_for(".track", code=view["code"])})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/track/photo/<int:attachment_id>")
@lookup_when_refused
def photo(attachment_id: int):
    """A reporter's photo without metadata, for whoever holds the tracking code."""
    code = tracking_codes.normalise(params.text_arg(request.args, "code", max_length=20, pattern=TRACKING_CODE))
    item = citizen.public_photo(db(), attachment_id, code)
    response = send_from_directory(store().root, public_key(item.storage_key), mimetype="image/jpeg")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
