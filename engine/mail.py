"""Mail texts are templates (engine/templates/mail/*.txt, Jinja2 without Flask), rendered here.

A template has two blocks, `subject` and `message`; the full mail is the template itself (usually a layout
around the message with a greeting, the links and a footer). The public /track page shows the `message`
block, so the reporter reads the same words on the page and in the mail.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from sqlalchemy.orm import Session

from . import glossary, settings
from .functions import parse_timestamp
from .settings import LOCAL_TZ

TEMPLATES = Path(__file__).resolve().parent / "templates" / "mail"
LANGUAGES = ("vi", "en")
MAX_ADDRESS_CHARS = 254


def link(session: Session, path: str) -> str:
    """An absolute link for a mail: the configured base URL (settings.base_url) followed by `path`."""
    return f"{settings.of(session).base_url}{path}"


def valid_address(address: str, *, internal: bool = False) -> bool:
    """Whether `address` is a usable e-mail address (syntax only: no DNS look-up, works offline). `internal`
    also accepts a host of the department's own network (no dot in the domain), e.g. for the sender."""
    if not address or len(address) > MAX_ADDRESS_CHARS or not address.isprintable():
        return False
    try:
        validate_email(address, check_deliverability=False, globally_deliverable=not internal)
    except EmailNotValidError:
        return False
    return True


def local_time(value: datetime | str | None) -> str:
    """A date-time in Ho Chi Minh City time, as the pages show it: 25/11/2026 14:30."""
    if value is None or value == "":
        return ""
    return parse_timestamp(value).astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def duration(seconds: float, lang: str = "vi") -> str:
    """A span of time in days, hours and minutes: "1 ngày 3 giờ" / "1 day 3 h"."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if lang == "en":
        parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins and not days else ""]
    else:
        parts = [f"{days} ngày" if days else "", f"{hours} giờ" if hours else "",
                 f"{mins} phút" if mins and not days else ""]
    return " ".join(p for p in parts if p) or ("0 min" if lang == "en" else "0 phút")


@cache
def environment() -> Environment:
    # Plain-text mails: nothing is HTML here. Pages that show these texts escape them (Flask's autoescape).
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False,  # noqa: S701
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["local_time"] = local_time
    env.filters["duration"] = duration
    env.filters["side"] = glossary.split_name  # "Sàng lọc / Screen"|side("en") → "Screen"
    env.globals["term"] = glossary.term  # term("categories", code, "vi"): the glossary's name
    return env


def template(name: str) -> Template:
    return environment().get_template(name)


def language(lang: str | None, default: str = "vi") -> str:
    """`lang` if it is one of ours, else `default` (itself Vietnamese unless it is one of ours)."""
    if lang in LANGUAGES:
        return str(lang)
    return default if default in LANGUAGES else "vi"


def localized(name: str, lang: str | None) -> str:
    """The template of `name` in one language: "staff/notification" → "staff/notification.en.txt"."""
    return f"{name}.{language(lang)}.txt"


def render(name: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of a mail template."""
    tmpl = template(name)
    subject = render_block(tmpl, "subject", context)
    return " ".join(subject.split()), tmpl.render(**context).strip() + "\n"


def render_block(tmpl: Template, block: str, context: dict[str, Any]) -> str:
    return "".join(tmpl.blocks[block](tmpl.new_context(context))).strip()
