"""Bounded parsing of request parameters: every number, date-time and text taken from a URL, a query string or
a form has explicit limits, and a value outside them is a clear 400 naming the parameter — never a 500.

The limits are those of the data behind them: ids fit an INTEGER column (32-bit signed on PostgreSQL),
dates lie in years 2000–2099 (the system's reports cannot be older or much newer), texts are short. Views use
`int_arg`, `datetime_arg` and `text_arg`; route `<int:...>` parts use the bounded `int` converter that
`init_app` installs, so `/cases/99999999999999999999` is a 404 like any other unknown case.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, request
from flask_babel import gettext
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from engine.attachments import Upload
from engine.errors import ValidationError
from engine.messages import t
from engine.unseen import CONTROL, INVISIBLE
from forms import MAX_YEAR, MIN_YEAR  # the years a date-time may have, in forms and in parameters

MAX_ID = 2**31 - 1  # the largest value of an INTEGER id column (32 bits on PostgreSQL)
MAX_DATETIME_CHARS = 40
MAX_URLENCODED_BYTES = 1024 * 1024  # a form without files: far above any form's longest texts
DIGITS = re.compile(r"^[0-9]{1,19}$")
# a time followed by " 07:00": the offset's "+" arrived as a space (the date and time may be parted by T or a space)
_LOST_PLUS = re.compile(r"([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?) ([0-9]{2}:?[0-9]{2})$")
DATE_ONLY_CHARS = 10  # "2026-11-29", "20261129", "2026-W48-1": a date without a time is at most this long


def _l(text: str) -> str:
    """Marks a text for the catalog (`babel.cfg`); it is translated when a page shows it (`BadParameter.page_text`)."""
    return text


WHOLE_NUMBER = _l("a whole number from %(minimum)s to %(maximum)s")
NOT_A_DATETIME = _l("not an ISO 8601 date-time (e.g. 2026-11-23T08:00:00+07:00)")
YEARS = _l("a date-time in the years %(first)s–%(last)s")
TOO_LONG = _l("at most %(limit)s characters")
NOT_ALLOWED = _l("contains characters that are not allowed here")
NOT_UTF8 = _l("not valid text (the bytes sent are not UTF-8)")


class BadParameter(BadRequest):
    """A request parameter outside its bounds: HTTP 400 with a description that names the parameter (English, for
    machines, logs and the command line: `problem`; a page shows `page_text`, in the reader's language)."""

    def __init__(self, name: str, problem: str, **values: object):
        self.parameter, self.template, self.values = name, problem, values
        self.problem = problem % values if values else problem
        super().__init__(f"{name}: {self.problem}")

    def page_text(self) -> str:
        return f"“{self.parameter}”: {gettext(self.template, **self.values)}"


def parse_int(name: str, raw: str, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """A whole number written with digits only (at most 19), between `minimum` and `maximum`."""
    text = raw.strip()
    if not DIGITS.match(text) or not minimum <= int(text) <= maximum:
        raise BadParameter(name, WHOLE_NUMBER, minimum=minimum, maximum=maximum)
    return int(text)


def int_arg(args: Mapping[str, str], name: str, default: int | None, *, minimum: int = 0,
            maximum: int = MAX_ID) -> int | None:
    """`args[name]` as a bounded whole number; `default` when absent or empty."""
    raw = args.get(name, "")
    return default if not raw.strip() else parse_int(name, raw, minimum=minimum, maximum=maximum)


def parse_datetime(name: str, raw: str, default_tz: tzinfo) -> datetime:
    """An ISO 8601 date-time (or date) in years 2000–2099; without an offset it is in `default_tz`.

    An unencoded "+07:00" in a query string arrives as " 07:00": the space is read as the plus it was.
    """
    text = raw.strip()
    if len(text) > MAX_DATETIME_CHARS or CONTROL.search(text):
        raise BadParameter(name, NOT_A_DATETIME)
    text = _LOST_PLUS.sub(r"\1+\2", text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter(name, NOT_A_DATETIME) from None
    # checked on the written date, before any conversion: 0001-01-01+14:00 would overflow when moved to UTC
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        raise BadParameter(name, YEARS, first=MIN_YEAR, last=MAX_YEAR)
    return when.replace(tzinfo=default_tz) if when.tzinfo is None else when


def datetime_arg(args: Mapping[str, str], name: str, default_tz: tzinfo) -> datetime | None:
    """`args[name]` as a bounded, time-zone aware date-time; None when absent or empty."""
    raw = args.get(name, "")
    return parse_datetime(name, raw, default_tz) if raw.strip() else None


def parse_text(name: str, raw: str, *, max_length: int, pattern: re.Pattern[str] | None = None) -> str:
    """Text without control characters, at most `max_length` characters, matching `pattern` when given."""
    text = raw.strip()
    if len(text) > max_length:
        raise BadParameter(name, TOO_LONG, limit=max_length)
    if CONTROL.search(text) or (pattern is not None and text and not pattern.match(text)):
        raise BadParameter(name, NOT_ALLOWED)
    return text


def text_arg(args: Mapping[str, str], name: str, *, max_length: int,
             pattern: re.Pattern[str] | None = None) -> str:
    """`args[name]` as bounded text ("" when absent)."""
    return parse_text(name, args.get(name, ""), max_length=max_length, pattern=pattern)


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's `int` route converter limited to 10 digits and an INTEGER column's range: a larger number
    does not match the route (404) instead of overflowing the database driver."""

    regex = r"[0-9]{1,10}"  # ASCII digits: \d would take "１" and "١" too

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = 0,  # noqa: A002 - werkzeug's name
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def posted_files(field: str, *, refuse_broken: bool = True) -> list[Upload]:
    """The files posted in the form's `field` (empty file inputs left out). A part of that name that arrived as
    text instead — a file whose part a client broke, e.g. with a raw line break in its name — is a ValidationError
    on the field (unless only looking: `refuse_broken` False): never a file that silently goes missing."""
    if refuse_broken and any(request.form.getlist(field)):
        raise ValidationError(t("file_unreadable"), {field: t("file_unreadable")})
    return [Upload(f.filename or "", f.stream) for f in request.files.getlist(field) if f and f.filename]


class FormRequest(Request):
    """Flask's request, with control characters other than tab and line breaks, and the Unicode direction controls,
    removed from submitted form text (pasted from other programs, invisible on the page; a direction override
    makes the text after it read backwards): a text of nothing but them counts as empty, so a
    required field stays required. NUL stays, to be refused with its own message (engine/db.py, forms). A form
    without files may be at most MAX_URLENCODED_BYTES (413 beyond)."""

    def _load_form_data(self) -> None:
        if self.mimetype == "application/x-www-form-urlencoded":  # text only, held in memory whole: kept small
            limit = self.max_content_length
            self.max_content_length = min(limit, MAX_URLENCODED_BYTES) if limit else MAX_URLENCODED_BYTES
            _refuse_broken_text(self.get_data(cache=True))
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form and any(INVISIBLE.search(value) for _, value in form.items(multi=True)):
            self.__dict__["form"] = ImmutableMultiDict(
                [(key, INVISIBLE.sub("", value)) for key, value in form.items(multi=True)])


def _refuse_broken_text(body: bytes) -> None:
    """A form whose bytes are not UTF-8 (raw or %-escaped) is a 400 naming the field: Werkzeug would otherwise
    drop the whole form (raw bytes) or keep the escapes as typed text ("%FF"). Browsers always send UTF-8."""
    for part in body.split(b"&"):
        key, _, value = part.partition(b"=")
        try:
            name = unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise BadParameter("form", NOT_UTF8) from None
        try:
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise BadParameter(name[:40] or "form", NOT_UTF8) from None


def init_app(app: Flask) -> None:
    """Install the bounded `int` converter and the form's cleaning; call before any blueprint is registered."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = FormRequest
