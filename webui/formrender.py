"""Task forms as server-side HTML (Bootstrap 5, works without JavaScript) and submitted forms back to typed data.

The form's JSON Schema drives everything; only its top-level properties are rendered and read. Widgets:
choices (enum or oneOf consts) → radios (up to 4) or a select; booleans → Có/Không radios; date-time →
datetime-local in Asia/Ho_Chi_Minh; date → a date input (also read as dd/mm/yyyy); numbers → number inputs;
arrays of choices → checkboxes; arrays of plain strings → checkboxes of `options[name]` when given, else a
textarea with one item per line. `parse_submission` needs no `options`: it splits every posted value of an
array-of-plain-strings field on line breaks, which reads both widgets the same way (option codes hold no line
breaks). Validation proper is `forms.validate_form_data`.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from engine import glossary
from engine.messages import t

from .i18n import LOCAL_TZ, translate_all

Options = dict[str, list[tuple[str, str]]]
MAX_RADIOS = 4
LONG_TEXT_NAMES = ("note", "description", "findings", "summary", "plan", "comment")
NOT_INTEGER = t("not_integer")
NOT_NUMBER = t("not_number")
NOT_BOOLEAN = t("not_boolean")
NOT_DATE_TIME = t("not_date_time")
NOT_DATE = t("not_date")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")  # 26/11/2026 as people write dates here
_WORDS = {"vi": {"yes": "Có", "no": "Không", "choose": "— Chọn —", "lines": "Mỗi dòng một mục."},
          "en": {"yes": "Yes", "no": "No", "choose": "— Choose —", "lines": "One item per line."}}
_INTEGER = re.compile(r"^[+-]?\d{1,20}$")
_NUMBER = re.compile(r"^[+-]?(\d{1,20}(\.\d{0,10})?|\.\d{1,10})$")
_SPACES = re.compile(r"\s")  # typed between thousands (any kind of space)
_DIGITS_AND_MARKS = re.compile(r"[0-9.,]+")


# ---- reading a submitted form -------------------------------------------------------------------------------

def parse_submission(schema: dict, form: MultiDict) -> tuple[dict, dict[str, str]]:
    """(data, parse_errors): typed values of the schema's top-level fields; empty fields are left out.

    A value that cannot be converted keeps its raw text in `data` (so a re-render shows what was typed) and gets
    a message in `parse_errors`, keyed by field name.
    """
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, prop in schema.get("properties", {}).items():
        if _kind(prop) == "array":
            item = prop.get("items", {})
            raw = form.getlist(name)
            if not _choices(item, "vi"):  # one item per line (textarea), or option codes (checkboxes)
                raw = [line for value in raw for line in value.splitlines()]
            items = [text for text in (value.strip() for value in raw) if text]
            if items:
                converted = [_convert(item, text) for text in items]
                data[name] = [value for value, _ in converted]
                problems = [error for _, error in converted if error]
                if problems:
                    errors[name] = problems[0]
            continue
        text = _text(form.get(name))
        if text:
            data[name], error = _convert(prop, text)
            if error:
                errors[name] = error
    return data, errors


def _text(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def plain_number(text: str) -> str | None:
    """A number as typed here, in ASCII digits with "." as the decimal point ("1500000.5"); None if it is not one.

    Both ways of writing are read, whatever the page's language: 1.500.000 and 1,500,000 (thousands), 2,5 and
    2.5 (decimals), 1.500.000,5 and 1,500,000.5. One mark followed by exactly three digits after one to three
    digits (500.000, 1,500) groups thousands; other digits than 0–9 and exponents are refused."""
    body = _SPACES.sub("", text)
    sign, body = (body[0], body[1:]) if body[:1] in ("+", "-") else ("", body)
    if not _DIGITS_AND_MARKS.fullmatch(body):
        return None
    marks = {mark for mark in ".," if mark in body}
    if len(marks) == 2:  # the last mark is the decimal one, the other groups thousands
        point = max(".,", key=body.rfind)
        whole, _, fraction = body.rpartition(point)
        grouped = _thousands(whole.split("," if point == "." else "."))
        return f"{sign}{grouped}.{fraction}" if grouped and fraction.isdigit() else None
    if not marks:
        return sign + body
    parts = body.split(marks.pop())
    if len(parts) > 2 or (len(parts[1]) == 3 and parts[0] not in ("", "0") and len(parts[0]) <= 3):
        grouped = _thousands(parts)
        return sign + grouped if grouped else None
    whole, fraction = parts
    return f"{sign}{whole or '0'}.{fraction}" if fraction.isdigit() or (whole and not fraction) else None


def _thousands(groups: list[str]) -> str | None:
    """"1500000" from ["1", "500", "000"]; None unless the first has 1–3 digits and every other exactly 3."""
    if 1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:]) and all(map(str.isdigit, groups)):
        return "".join(groups)
    return None


def _convert(prop: dict, text: str) -> tuple[Any, str | None]:
    """(typed value, error message or None) for one non-empty posted text."""
    kind = _kind(prop)
    if kind in ("integer", "number"):
        digits = plain_number(text) or ""
        if kind == "integer":
            return (int(digits), None) if _INTEGER.match(digits) else (text, NOT_INTEGER)
        if not _NUMBER.match(digits):
            return text, NOT_NUMBER
        return (float(digits), None) if "." in digits else (int(digits), None)
    if kind == "boolean":
        choice = {"true": True, "on": True, "false": False}.get(text.lower())
        return (choice, None) if choice is not None else (text, NOT_BOOLEAN)
    if prop.get("format") == "date":
        return _date(text)
    if prop.get("format") == "date-time":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text, NOT_DATE_TIME
        if moment.tzinfo is not None:
            return text, None  # already RFC 3339 with an offset: the validator checks the rest
        return moment.replace(tzinfo=LOCAL_TZ).isoformat(timespec="seconds"), None
    return text, None


def _date(text: str) -> tuple[str, str | None]:
    """A date as the date input posts it (2026-11-26) or as people type it (26/11/2026) → ISO date."""
    day_first = _DAY_FIRST.match(text)
    try:
        if day_first:
            day, month, year = (int(part) for part in day_first.groups())
            return date(year, month, day).isoformat(), None
        return date.fromisoformat(text).isoformat(), None
    except ValueError:
        return text, NOT_DATE


# ---- rendering ----------------------------------------------------------------------------------------------

def render_fields(schema: dict, values: dict | None = None, errors: dict[str, str] | None = None, *,
                  lang: str = "vi", options: Options | None = None, prefix: str = "f") -> Markup:
    """Bootstrap 5 markup for every top-level property, in schema order, showing `values` and field `errors`.

    Errors keyed by a path ("measures/0") are shown at their top-level field; the whole-form error ("") is left
    to the caller. Checkbox groups get the red star but no `required` attribute (it would demand every box).
    """
    values, errors, options = values or {}, errors or {}, options or {}
    messages: dict[str, list[str]] = {}
    for path, message in translate_all(errors).items():
        if path and message not in messages.setdefault(path.split("/")[0], []):
            messages[path.split("/")[0]].append(message)
    required, shown_when = set(schema.get("required", [])), conditions(schema)
    return Markup("\n").join(
        _shown(_field(name, prop, values.get(name), "; ".join(messages.get(name, [])), name in required, lang,
                      options.get(name), f"{prefix}-{name}", starred=name in shown_when), shown_when.get(name))
        for name, prop in schema.get("properties", {}).items())


def conditions(schema: dict) -> dict[str, dict[str, list[str]]]:
    """The fields shown only when the form requires them ("x-only-when-required": true), each with the answers that
    require it, read from the schema's own rules (`allOf` of `if` a field equals — or, for checkboxes, contains —
    a value, `then` required): {"invited_agency": {"action": ["invite_agency"]}}; any one of them shows the field.
    Without JavaScript every field is shown; with it (static/form-conditions.js) a field no answer requires is
    hidden and not sent. A field required only by rules of another kind is always shown."""
    properties, found = schema.get("properties", {}), {}
    for rule in schema.get("allOf", []):
        tested = ((rule.get("if") or {}).get("properties") or {}) if isinstance(rule, dict) else {}
        if len(tested) != 1:
            continue
        (field, test), = tested.items()
        test = test.get("contains", test) if isinstance(test, dict) else {}
        if "const" not in test:
            continue
        for name in (rule.get("then") or {}).get("required", []):
            if isinstance(properties.get(name), dict) and properties[name].get("x-only-when-required") is True:
                found.setdefault(name, {}).setdefault(field, []).append(_as_text(test["const"]))
    return found


def _shown(field: Markup, when: dict[str, list[str]] | None) -> Markup:
    return _el("div", field, class_="conditional-field", data_shown_when=json.dumps(when)) if when else field


def _field(name: str, prop: dict, value: Any, error: str, required: bool, lang: str,
           options: list[tuple[str, str]] | None, field_id: str, starred: bool = False) -> Markup:
    """One field; `starred`: marked as required without the `required` attribute (required when it is shown)."""
    words = _WORDS.get(lang, _WORDS["vi"])
    kind, help_text = _kind(prop), _label(prop, lang, "description")
    choices = [(_as_text(const), label) for const, label in _choices(prop, lang)]
    use_options = options is not None and kind in ("string", "array")
    if use_options:
        choices = list(options or [])
    elif kind == "boolean":
        choices = [("true", words["yes"]), ("false", words["no"])]
    elif kind == "array":
        choices = [(_as_text(const), label) for const, label in _choices(prop.get("items", {}), lang)]
        if not choices:
            help_text = " ".join(filter(None, [help_text, words["lines"]]))
    chosen = [_as_text(v) for v in (value if isinstance(value, list) else [value]) if v is not None]
    if use_options:  # keep a value that is no longer among the options rather than silently dropping it
        choices += [(v, v) for v in chosen if v not in {code for code, _ in choices}]
    described = " ".join(filter(None, [help_text and f"{field_id}-help", error and f"{field_id}-error"]))
    common = {"name": name, "aria_describedby": described or None, "aria_invalid": "true" if error else None}
    star = Markup(' <span class="text-danger" aria-hidden="true">*</span>') if required or starred else Markup("")
    label = _label(prop, lang, "title") or name
    notes = Markup("").join([
        _el("div", help_text, class_="form-text", id=f"{field_id}-help") if help_text else Markup(""),
        _el("div", error, class_="invalid-feedback d-block", id=f"{field_id}-error") if error else Markup("")])
    invalid = " is-invalid" if error else ""

    if choices and (kind == "array" or (not use_options and len(choices) <= MAX_RADIOS)):  # in a fieldset
        box = "checkbox" if kind == "array" else "radio"
        rows = [_el("div", Markup("").join([
            _el("input", class_="form-check-input" + invalid, type=box, id=box_id, **common, value=code,
                checked=code in chosen, required=required and box == "radio"),
            _el("label", text, class_="form-check-label", for_=box_id)]), class_="form-check")
            for i, (code, text) in enumerate(choices) for box_id in [field_id if i == 0 else f"{field_id}-{i}"]]
        legend = _el("legend", Markup("{}{}").format(label, star), class_="form-label fs-6")
        return _el("fieldset", Markup("").join([legend, *rows, notes]), class_="mb-3", id=f"{field_id}-group")

    attrs = {"id": field_id, **common, "required": required}
    if choices:
        empty = [_el("option", words["choose"], value="")]
        opts = [_el("option", text, value=code, selected=code in chosen) for code, text in choices]
        control = _el("select", Markup("").join(empty + opts), class_="form-select" + invalid, **attrs)
    elif kind == "array" or (kind == "string" and prop.get("format") not in ("date-time", "date")
                             and _is_long(name, prop)):
        text = "\n".join(chosen) if kind == "array" else _as_text(value)
        control = _el("textarea", text, class_="form-control" + invalid, rows="4",
                      maxlength=prop.get("maxLength"), **attrs)
    elif kind in ("integer", "number"):
        control = _el("input", class_="form-control" + invalid, type="number", value=_as_text(value),
                      step="1" if kind == "integer" else "any", min=prop.get("minimum"), max=prop.get("maximum"),
                      **attrs)
    elif prop.get("format") == "date":
        control = _el("input", class_="form-control" + invalid, type="date", value=_date_input(value), **attrs)
    elif prop.get("format") == "date-time":
        control = _el("input", class_="form-control" + invalid, type="datetime-local", value=_local_input(value),
                      **attrs)
    else:
        control = _el("input", class_="form-control" + invalid, type="text", value=_as_text(value),
                      maxlength=prop.get("maxLength"), **attrs)
    head = _el("label", Markup("{}{}").format(label, star), class_="form-label", for_=field_id)
    return _el("div", Markup("").join([head, control, notes]), class_="mb-3")


def _is_long(name: str, prop: dict) -> bool:
    """A textarea for long text; a schema may decide with "x-widget": "textarea" or "input"."""
    if prop.get("x-widget") in ("textarea", "input"):
        return prop["x-widget"] == "textarea"
    if "maxLength" in prop:
        return prop["maxLength"] > 200
    return any(word in name for word in LONG_TEXT_NAMES)


def _el(tag: str, content: Any = None, **attrs: Any) -> Markup:
    """One HTML element; attribute values and text content are escaped. `class_` → class, `aria_x` → aria-x.
    (Plain string building with `escape`: `Markup.format` costs ten times as much on a form page.)"""
    parts = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        key = escape(key.rstrip("_").replace("_", "-"))
        parts.append(f" {key}" if value is True else f' {key}="{escape(value)}"')
    opening = f"<{escape(tag)}{''.join(parts)}>"
    if tag == "input":
        return Markup(opening)  # noqa: S704 - every part above is escaped
    return Markup(f"{opening}{escape(content or '')}</{escape(tag)}>")  # noqa: S704 - every part is escaped


def _date_input(value: Any) -> str:
    """A date as a date input value (the local day of a date-time kept from before; other text unchanged)."""
    moment = _moment(value) if isinstance(value, str) and "T" in value else None
    return moment.strftime("%Y-%m-%d") if moment else _as_text(value)


def _local_input(value: Any) -> str:
    """An RFC 3339 value as a datetime-local input value in Ho Chi Minh City time (other text unchanged)."""
    moment = _moment(value)
    return moment.strftime("%Y-%m-%dT%H:%M") if moment else _as_text(value)


# ---- summaries for the case timeline ------------------------------------------------------------------------

def summarize(schema: dict, data: dict, *, lang: str = "vi", options: Options | None = None) -> list[tuple[str, str]]:
    """(label, readable value) pairs for submitted task data: schema fields in form order, then unknown keys."""
    properties, options = schema.get("properties", {}), options or {}
    names = [name for name in properties if name in data] + [name for name in data if name not in properties]
    return [(_label(properties.get(name, {}), lang, "title") or name,
             _readable(properties.get(name, {}), data[name], lang, dict(options.get(name, []))))
            for name in names]


def _readable(prop: dict, value: Any, lang: str, option_labels: dict[str, str]) -> str:
    if isinstance(value, list):
        item = prop.get("items", {})
        return ", ".join(_readable(item, v, lang, option_labels) for v in value)
    if isinstance(value, bool):
        return _WORDS.get(lang, _WORDS["vi"])["yes" if value else "no"]
    for const, label in _choices(prop, lang):
        if const == value and isinstance(const, bool) == isinstance(value, bool):
            return label
    if isinstance(value, str) and value in option_labels:
        return option_labels[value]
    if isinstance(value, int | float):
        grouped = format(_plain(value), ",f")  # never "1e-05"
        return grouped.translate(str.maketrans(",.", ".,")) if lang == "vi" else grouped
    if value is None or isinstance(value, dict):
        return "" if value is None else json.dumps(value, ensure_ascii=False)
    if prop.get("format") == "date":
        day, error = _date(_date_input(value))
        return str(value) if error else "/".join(reversed(day.split("-")))
    moment = _moment(value) if prop.get("format") == "date-time" else None
    return moment.strftime("%d/%m/%Y %H:%M") if moment else str(value)


# ---- schema helpers -----------------------------------------------------------------------------------------

def _kind(prop: dict) -> str:
    """The JSON type of a property: its "type" (ignoring "null"), else guessed from its choices, else string."""
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if isinstance(kind, str):
        return kind
    consts = [const for const, _ in _choices(prop, "vi")]
    if consts and all(isinstance(c, bool) for c in consts):
        return "boolean"
    if consts and all(isinstance(c, int | float) and not isinstance(c, bool) for c in consts):
        return "integer" if all(isinstance(c, int) for c in consts) else "number"
    return "string"


def _choices(prop: dict, lang: str) -> list[tuple[Any, str]]:
    """(value, label) of a property's allowed values: oneOf/anyOf consts with their titles (or their glossary
    names when the property says "x-glossary": kind), or enum values."""
    titled = [option for option in prop.get("oneOf", prop.get("anyOf", [])) if "const" in option]
    if prop.get("x-glossary") in glossary.kinds():  # names from the one glossary (engine/glossary.json)
        values = [option["const"] for option in titled] or prop.get("enum", [])
        return [(value, glossary.term(prop["x-glossary"], value, lang)) for value in values]
    if titled:
        return [(option["const"], _label(option, lang, "title") or _as_text(option["const"])) for option in titled]
    return [(value, _as_text(value)) for value in prop.get("enum", [])]


def _label(node: dict, lang: str, key: str) -> str:
    """A title or description in `lang`: the English one is "x-title-en" / "x-description-en"."""
    return (lang == "en" and node.get(f"x-{key}-en")) or node.get(key) or ""


def _as_text(value: Any) -> str:
    """A typed value as a form would post it ("true", "15", "1.5"); None → ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return format(_plain(value), "f") if isinstance(value, float) else str(value)  # "0.00001", which reads back


def _plain(number: int | float) -> Decimal:
    """The number as written in full, without an exponent (Python writes 0.00001 as 1e-05)."""
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


def _moment(value: Any) -> datetime | None:
    """An RFC 3339 text as an aware time in Ho Chi Minh City (a time without offset is taken as local)."""
    try:
        moment = datetime.fromisoformat(str(value))
        return moment.astimezone(LOCAL_TZ) if moment.tzinfo else moment
    except (ValueError, OverflowError):  # not a date-time, or one at the edge of the calendar
        return None
