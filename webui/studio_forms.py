"""The studio's task-form editor: a draft's JSON Schema forms, edited with a live preview. Routes of the studio
blueprint, kept in their own module; `webui.studio` imports it at its end."""
from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import studio
from engine.bundle_files import MAX_FORM_BYTES, form_problem
from engine.errors import NotFound, ValidationError
from engine.messages import t
from engine.models import ProcessDraft, Role

from . import formrender
from .auth import current_actor, roles_required
from .db import db, on_failure
from .i18n import error_text, lang, translate, translate_all
from .studio import bp

NEW_FORM = {"type": "object", "title": "", "properties": {}, "required": []}


@bp.get("/drafts/<int:draft_id>/forms")
@roles_required(Role.PROCESS_OWNER)
def forms(draft_id: int):
    found = studio.get_draft(db(), draft_id)
    wanted = (request.args.get("name") or "").strip()
    if wanted:  # "new form" asks for its name first
        return redirect(url_for(".form", draft_id=found.id, name=wanted))
    return render_template("studio/forms.html", draft=found, forms=sorted(found.bundle.get("forms", {}).items()))


@bp.route("/drafts/<int:draft_id>/forms/<name>", methods=["GET", "POST"])
@roles_required(Role.PROCESS_OWNER)
def form(draft_id: int, name: str):
    session = db()
    found = studio.get_draft(session, draft_id)
    if not name.replace("_", "").isalnum() or len(name) > 80:
        raise NotFound(_("There is no form %(name)s.", name=name))
    existing = found.bundle.get("forms", {}).get(name)
    text = json.dumps(existing if existing is not None else NEW_FORM, ensure_ascii=False, indent=2)
    errors: dict[str, str] = {}
    if request.method == "POST":
        text = request.form.get("schema", "")
        schema, problem = _parse_schema(text)
        if problem:
            errors = {"schema": problem}
        else:
            on_failure(ValidationError, lambda exc: _form_page(
                found, name, text, translate_all(dict(exc.errors)) or {"schema": error_text(exc)},
                is_new=existing is None))
            studio.save_form(session, current_actor().username, found, name, schema)
            flash(_("Form %(name)s saved in draft %(id)s.", name=name, id=found.id), "success")
            return redirect(url_for(".forms", draft_id=found.id))
    return _form_page(found, name, text, errors, is_new=existing is None)


def _form_page(found: ProcessDraft, name: str, text: str, errors: dict[str, str], *, is_new: bool):
    return render_template("studio/form.html", draft=found, name=name, text=text, errors=errors,
                           is_new=is_new, preview=_preview(text)), (422 if errors else 200)


@bp.post("/drafts/<int:draft_id>/forms-preview")
@roles_required(Role.PROCESS_OWNER)
def form_preview(draft_id: int):
    studio.get_draft(db(), draft_id)
    return render_template("studio/_preview.html", preview=_preview(request.form.get("schema", "")))


def _parse_schema(text: str) -> tuple[Any, str | None]:
    if len(text.encode("utf-8")) > MAX_FORM_BYTES:
        return None, _("The schema is larger than %(kib)s KiB.", kib=MAX_FORM_BYTES // 1024)
    try:
        schema = json.loads(text)
        json.dumps(schema, ensure_ascii=False).encode("utf-8")  # an escaped lone surrogate ("\ud800") is no text
    except json.JSONDecodeError as exc:  # the parser's own message is English only: say where instead
        return None, _("Not valid JSON: check line %(line)s, column %(column)s.", line=exc.lineno, column=exc.colno)
    except RecursionError:
        return None, _("The schema is nested too deeply.")
    except (ValueError, UnicodeError):
        return None, _("Not valid JSON.")
    if not isinstance(schema, dict) or not isinstance(schema.get("properties", {}), dict):
        return None, _("A form is a JSON object with “properties”.")
    return schema, None


def _preview(text: str) -> dict[str, Any]:
    """The fields the schema renders to, or the reason it cannot be shown."""
    schema, problem = _parse_schema(text)
    if problem:
        return {"error": problem}
    bad = [key for key, prop in schema.get("properties", {}).items() if not isinstance(prop, dict)]
    if bad:
        return {"error": _("Field %(name)s is not a JSON object.", name=bad[0])}
    unusable = form_problem(schema)  # the reason in the page's language, not Python's text for what broke
    if unusable is not None:
        return {"error": _("The preview cannot show this schema: %(reason)s", reason=translate(unusable[1]))}
    try:
        fields = formrender.render_fields(schema, lang=lang(), prefix="preview")
    except (TypeError, ValueError, AttributeError, KeyError):
        return {"error": _("The preview cannot show this schema: %(reason)s",
                           reason=translate(t("not_json_schema")))}
    return {"fields": fields, "title": (lang() == "en" and schema.get("x-title-en")) or schema.get("title", "")}
