"""Vietnamese first, English second; times shown in Asia/Ho_Chi_Minh (stored in UTC)."""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, flash, redirect, request, session
from flask_babel import Babel, format_datetime, format_decimal, get_locale, get_translations, gettext
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from engine import accounts
from engine.clock import now
from engine.functions import parse_timestamp
from engine.glossary import split_name
from engine.messages import MESSAGES, Text, from_data
from engine.settings import LOCAL_TZ

from .db import db
from .links import local_target

log = logging.getLogger(__name__)
CATALOGS = Path(__file__).resolve().parent / "translations"

LANGUAGES = ("vi", "en")
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}  # each in its own language, the same on every page
babel = Babel()


def use_language(lang: str) -> None:
    """Show this browser's pages in `lang` from the next request on (at sign-in: the user's own language)."""
    session["lang"] = lang if lang in LANGUAGES else "vi"


def select_locale() -> str:
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else "vi"


def lang() -> str:
    """The language of this request's pages ("vi" or "en")."""
    locale = get_locale()
    return locale.language if locale is not None else "vi"


def page_gettext() -> dict:
    """`gettext` and `ngettext` for one page, bound to the translations of the page's language (looked up once per
    page, not at each of its few dozen texts). They behave as Jinja's new-style gettext: the text is always a
    %-format string (`%%` for a percent sign), escaped values are filled in on HTML pages, and `ngettext` knows
    `num`. `_` is the same as `gettext` (macros imported without the page's context use Flask-Babel's own)."""
    translations = get_translations()

    def filled(eval_ctx, text: str, variables: dict) -> str:
        return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704 - our catalog; values escaped

    @pass_eval_context
    def page_text(eval_ctx, string: str, **variables) -> str:
        return filled(eval_ctx, translations.ugettext(string), variables)

    @pass_eval_context
    def page_plural(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
        return filled(eval_ctx, translations.ungettext(singular, plural, num), {"num": num, **variables})

    return {"gettext": page_text, "_": page_text, "ngettext": page_plural}


# parameters that carry a name the process owner wrote "Vietnamese / English" (a decision table's or its
# columns' labels): shown with the side of the page's language only
_OWNER_NAMES = frozenset({"label", "table"})


def translate(text: object) -> object:
    """An engine message (engine.messages.Text) in this request's language; anything else unchanged."""
    if not isinstance(text, Text):
        return text
    params = {name: local_name(value) if name in _OWNER_NAMES and isinstance(value, str) and not isinstance(value, Text)
              else translate(value) for name, value in text.params.items()}
    return gettext(MESSAGES[text.code], **params)


def stored_message(data: object) -> object:
    """A message stored as data (engine.messages.as_data) in this request's language; None if it is not one."""
    found = from_data(data)
    return translate(found) if found is not None else None


def problem_list(problems: list) -> list[dict]:
    """A draft's problems (engine.problems.Problem or their dicts) as dicts whose message and element name are in
    this request's language (for JSON answers and the studio's initial data)."""
    out = []
    for problem in problems:
        found = problem.as_dict() if hasattr(problem, "as_dict") else dict(problem)
        found["message"] = str(translate(found.get("message")))
        if found.get("element_name"):
            found["element_name"] = local_name(found["element_name"])
        out.append(found)
    return out


def error_text(error: Exception) -> str:
    """An engine error's message in this request's language."""
    return str(translate(error.args[0])) if error.args else str(error)


def translate_all(errors: dict) -> dict:
    """A field → message mapping with every engine message translated."""
    return {field: translate(message) for field, message in errors.items()}


def local_name(text: str | None) -> str:
    """One side of a name written "Vietnamese / English" (as diagram elements are named): the side of this
    request's language. A name without " / " is shown as it is."""
    return split_name(text, lang())


def local_time(value: datetime | None, fmt: str = "dd/MM/yyyy HH:mm") -> str:
    return format_datetime(value, fmt) if value else ""


def decimal(value: float, digits: int = 1, zeros: bool = True) -> str:
    """A number with `digits` decimals as the page's language writes it: 1.234,5 in Vietnamese, 1,234.5 in English
    (downloads keep numbers as numbers); without `zeros`, no trailing zeros (24 rather than 24,0)."""
    return format_decimal(value, format="#,##0." + ("0" if zeros else "#") * digits if digits else "#,##0")


def iso_local(value: str | None, fmt: str = "dd/MM/yyyy HH:mm") -> str:
    """An ISO-8601 text (as stored in form data) shown in local time; unparsable text shown as it is."""
    if not value:
        return ""
    try:
        return local_time(parse_timestamp(value), fmt)
    except (ValueError, TypeError, OverflowError):
        return str(value)


def compile_catalogs(target: Path) -> Path:
    """Compile the .po catalogs into `target` (only those changed since the last compile); returns target."""
    for po in CATALOGS.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(CATALOGS).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as source:
            catalog = read_po(source)
        tmp = mo.with_suffix(".tmp")
        with tmp.open("wb") as out:
            write_mo(out, catalog)
        tmp.replace(mo)
    return target


def time_left(due: datetime | None) -> dict | None:
    """Hours left to a deadline and its urgency: overdue (red), soon (< 4 h, amber) or ok."""
    if due is None:
        return None
    seconds = (due - now()).total_seconds()
    hours = seconds / 3600
    state = "overdue" if seconds < 0 else "soon" if hours < 4 else "ok"
    return {"hours": hours, "state": state, "text": _duration_text(abs(seconds))}


def _duration_text(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return gettext("%(days)dd %(hours)dh", days=days, hours=hours)
    return gettext("%(hours)dh %(minutes)02dm", hours=hours, minutes=mins)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "vi")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", LOCAL_TZ.key)
    if "BABEL_TRANSLATION_DIRECTORIES" not in app.config:  # else compiled by whoever configured it
        try:
            compiled = compile_catalogs(Path(app.instance_path) / "translations")
        except OSError as exc:  # a read-only instance folder: fall back to catalogs compiled at install time
            log.warning("could not compile translations into the instance folder: %s", exc)
            compiled = CATALOGS
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(page_gettext)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["iso_local"] = iso_local
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.globals["time_left"] = time_left
    app.jinja_env.filters["local_name"] = local_name
    app.jinja_env.filters["stored_message"] = stored_message
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
    app.jinja_env.globals["default_language"] = lambda: app.extensions["rr_settings"].default_language
    app.jinja_env.finalize = translate  # an engine message printed by a template is shown in the page's language

    @app.post("/lang/<code>")
    def set_language(code: str):
        """The pages' language from now on; a signed-in user's own language too (kept for their next sign-in and
        their e-mails). A POST with the form's CSRF token, since it writes the account (a link on another site
        must not change it). Back to `next` (the page the switch was on) or the referring page of this site; an
        unknown language changes nothing and says so."""
        if code in LANGUAGES:
            use_language(code)
            if current_user.is_authenticated:
                accounts.set_language(db(), int(current_user.id), code)
        else:
            flash(gettext("Choose Vietnamese or English"), "warning")
        target = request.form.get("next") or request.referrer or "/"
        path = target[len(request.host_url) - 1:] if target.startswith(request.host_url) else target  # a full URL
        return redirect(target if local_target(path) else "/")
