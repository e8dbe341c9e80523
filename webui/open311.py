"""Open311 GeoReport v2 at /open311/v2/: the report categories as services, reports posted by registered
applications, and the public facts of every case as service requests (docs/open311.md).

Every answer, errors included, is Open311-shaped in the format the URL asks for (.json or .xml). Reporter
contact (name, phone, e-mail) is stored with the case and never appears in any answer.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from lxml import etree
from werkzeug.exceptions import HTTPException

from engine import cases, citizen, directory, glossary, open311_search, tracking_codes, units, versions
from engine.actors import Actor
from engine.attachments import Upload
from engine.clock import now
from engine.deadlines import is_overdue
from engine.errors import Conflict, EngineError, NotFound, PermissionDenied, ProcessError, ValidationError
from engine.models import ApiClient, Case, CaseStatus
from engine.procedure_faults import record as record_fault
from engine.xml_text import xml_text

from . import openapi, params
from .attachments import store
from .db import db, in_new_transaction
from .i18n import LOCAL_TZ
from .limits import limiter, lookup, lookup_limit, submit_limit

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
ITEM_TAGS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
             "errors": "error"}
ENGINE_STATUS = {NotFound: 404, ValidationError: 400, PermissionDenied: 403, Conflict: 409}
# Report fields as an Open311 client calls them, for error descriptions.
PARAMETERS = {"category": "service_code", "address": "address_string", "ward": "attribute[ward]",
              "facility_name": "attribute[facility_name]", "observed_at": "attribute[observed_at]",
              "name": "first_name/last_name", "files": "media"}
CLOSED = open311_search.CLOSED
DEPARTMENT = "Sở Y tế TP. Hồ Chí Minh"
MAX_DESCRIPTION = 4000  # GeoReport v2
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = open311_search.MAX_RESULTS
API_KEY_HEADER = "X-API-Key"
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,60}$")
COORDINATE = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]*)?")
LAT_LONG = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
# Templates of `service_notice`; the hours come from the case's process version (its diagram), never from here.
NOTICES = {
    None: "Sở Y tế đã tiếp nhận; thời hạn xử lý {low}–{high} giờ tùy mức độ, tính từ lúc tiếp nhận "
          "(received; handled within {low}–{high} hours of receipt depending on the level)",
    1: "UBND phường/xã xử lý trong {hours} giờ kể từ lúc tiếp nhận (the ward handles it within {hours} hours of "
       "receipt)",
    2: "Thanh tra Sở Y tế xử lý trong {hours} giờ kể từ lúc tiếp nhận (the Department Inspectorate handles it within "
       "{hours} hours of receipt)",
    3: "Thanh tra Sở Y tế phối hợp liên ngành xử lý trong {hours} giờ kể từ lúc tiếp nhận "
       "(the Inspectorate handles it with other agencies within {hours} hours of receipt)",
}
NOTICE_WITHOUT_HOURS = "Sở Y tế đã tiếp nhận (received by the Department of Health)"
NOT_ACCEPTED_NOTE = "Phản ánh không được tiếp nhận xử lý (the report was not accepted for handling)"


class ApiError(Exception):
    """An Open311 error answer: an HTTP status and one description per problem."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(status, descriptions)
        self.status = status
        self.descriptions = descriptions


# --- formats ---------------------------------------------------------------------------------------------

def _format(fmt: str) -> str:
    if fmt not in CONTENT_TYPES:
        raise ApiError(404, f"unknown format {fmt[:20]!r}: use .json or .xml")
    return fmt


def _reply(root: str, value: list | dict, fmt: str, status: int = 200) -> Response:
    if fmt == "xml":
        element = etree.Element(root)
        _fill(element, value)
        body = etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    else:
        body = json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")
    return Response(body, status=status, content_type=CONTENT_TYPES[fmt])


def _fill(element: etree._Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(etree.SubElement(element, key), item)
    elif isinstance(value, list):
        for item in value:
            _fill(etree.SubElement(element, ITEM_TAGS[element.tag]), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = xml_text(value)


def _error_reply(status: int, descriptions: list[str] | tuple[str, ...]) -> Response:
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _reply("errors", [{"code": status, "description": d} for d in descriptions], fmt, status)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return _error_reply(error.status, error.descriptions)


@bp.errorhandler(EngineError)
def _engine_error(error: EngineError):
    status = next((code for kind, code in ENGINE_STATUS.items() if isinstance(error, kind)), 422)
    if isinstance(error, ProcessError):  # the department's diagram failed or went over a limit: not the request
        current_app.logger.error("an Open311 request could not be opened, the procedure failed: %s", error.problems)
        in_new_transaction(lambda session: record_fault(session, error, "open311"))
        return _error_reply(500, ["the department's procedure failed on this request, not because of it; "
                                  "nothing was saved, please send it again later"])
    fields = getattr(error, "errors", {}) or {}
    problems = [f"{PARAMETERS.get(field, field)}: {message}" for field, message in fields.items()]
    return _error_reply(status, problems or [str(error)])


@bp.errorhandler(429)
@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    description = error.description or error.name
    if error.code == 429:
        description = f"too many requests ({description}); please wait and try again"
    return _error_reply(error.code or 500, [description])  # Flask-Limiter adds Retry-After afterwards


@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown_endpoint(rest: str):
    raise ApiError(404, f"no such endpoint: {request.method} /open311/v2/{rest[:100]}")


@bp.get("/openapi.json")
def openapi_description():
    """The OpenAPI 3.1 description of this API, for integrators and for the fuzzing test."""
    document = openapi.document(MAX_DESCRIPTION, MAX_RESULTS, current_app.config["CONTACT_RETENTION_DAYS"])
    return _reply("openapi", document, "json")


# --- services --------------------------------------------------------------------------------------------

def _report_schema() -> dict[str, Any]:
    return versions.version_form(versions.active_version(db()), "report") or {}


def _categories(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["const"]: o for o in schema.get("properties", {}).get("category", {}).get("oneOf", [])}


def _label(schema: dict[str, Any], field: str) -> str:
    prop = schema.get("properties", {}).get(field, {})
    return f"{prop.get('title', field)} ({prop.get('x-title-en', field)})"


@bp.get("/services.<fmt>")
def services(fmt: str):
    fmt = _format(fmt)
    # names from the one glossary: Vietnamese as the name, English as the description (Open311 has one of each)
    rows = [{"service_code": code, "service_name": glossary.term("categories", code, "vi"),
             "description": glossary.term("categories", code, "en"), "metadata": True, "type": "realtime",
             "keywords": ", ".join(dict.fromkeys([code.replace("_", " "), glossary.term("categories", code, "en")])),
             "group": "health"} for code in _categories(_report_schema())]
    return _reply("services", rows, fmt)


@bp.get("/services/<service_code>.<fmt>")
def service_definition(service_code: str, fmt: str):
    fmt = _format(fmt)
    schema = _report_schema()
    if service_code not in _categories(schema):
        raise ApiError(404, f"unknown service_code {service_code[:60]!r}")
    wards = [(unit.code, unit.name) for unit in units.local_units(db())]
    attributes = [
        {"variable": True, "code": "ward", "datatype": "singlevaluelist", "required": True,
         "datatype_description": "Mã phường/xã trong danh sách (a key from the list)", "order": 1,
         "description": _label(schema, "ward"), "values": [{"key": code, "name": name} for code, name in wards]},
        {"variable": True, "code": "facility_name", "datatype": "string", "required": False,
         "datatype_description": "Tối đa 300 ký tự (at most 300 characters)", "order": 2,
         "description": _label(schema, "facility_name")},
        {"variable": True, "code": "observed_at", "datatype": "datetime", "required": False,
         "datatype_description": "ISO 8601, ví dụ (e.g.) 2026-11-23T08:00:00+07:00", "order": 3,
         "description": _label(schema, "observed_at")},
    ]
    return _reply("service_definition", {"service_code": service_code, "attributes": attributes}, fmt)


# --- posting a request -----------------------------------------------------------------------------------

def _parse_time(name: str, raw: str) -> datetime:
    """An ISO 8601 date-time in years 2000–2099 (webui.params); without an offset it is local time."""
    try:
        return params.parse_datetime(name, raw, LOCAL_TZ)
    except params.BadParameter as exc:
        raise ApiError(400, exc.description or name) from None


def _coordinate(name: str, raw: str, limit: float) -> float:
    # decimal degrees in ASCII digits only (Python's float() also takes "1_0", "٣" and "1e1")
    value = float(raw) if COORDINATE.fullmatch(raw) else float("nan")
    if not -limit <= value <= limit:  # also NaN
        raise ApiError(400, f"{name}: not a WGS84 coordinate")
    return value


def _report_from(form: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """The report (forms/report.json) from Open311 parameters; location and format problems are 400s."""
    problems: list[str] = []
    code = form.get("service_code", "").strip()
    if not code:
        problems.append("service_code: required")
    elif code not in _categories(schema):
        problems.append(f"service_code: unknown service {code[:60]!r}")
    description = form.get("description", "").strip()
    if len(description) > MAX_DESCRIPTION:
        problems.append(f"description: at most {MAX_DESCRIPTION} characters")
    raw_lat, raw_long = form.get("lat", "").strip(), form.get("long", "").strip()
    address = form.get("address_string", "").strip()
    if bool(raw_lat) != bool(raw_long):
        problems.append("lat, long: give both or neither")
    elif not raw_lat and not address:
        problems.append("location required: lat and long, or address_string")
    if problems:
        raise ApiError(400, *problems)
    report: dict[str, Any] = {"category": code, "description": description, "ward": form.get("attribute[ward]", "")}
    if raw_lat:
        lat, long = _coordinate("lat", raw_lat, 90), _coordinate("long", raw_long, 180)
        address = address or f"{lat},{long}"
        if {"lat", "long"} <= set(schema.get("properties", {})):  # kept when the report form has them
            report.update(lat=lat, long=long)
    report["address"] = address
    if facility := form.get("attribute[facility_name]", "").strip():
        report["facility_name"] = facility
    if observed := form.get("attribute[observed_at]", "").strip():
        report["observed_at"] = _parse_time("attribute[observed_at]", observed).isoformat(timespec="seconds")
    return report


def _contact(form: Any) -> dict[str, str]:
    name = " ".join(p for p in (form.get("first_name", "").strip(), form.get("last_name", "").strip()) if p)
    contact = {"name": name, "phone": form.get("phone", "").strip(), "email": form.get("email", "").strip()}
    return {k: v for k, v in contact.items() if v}


def _client(purpose: str) -> ApiClient:
    """The registered application whose key came in the X-API-Key header or the api_key parameter (the
    header is preferred: URLs end up in logs and proxies), else a 403."""
    key = request.headers.get(API_KEY_HEADER, "").strip() or request.values.get("api_key", "").strip()
    client = citizen.client_for_key(db(), key)
    if client is None:
        raise ApiError(403, f"api_key missing or not valid (send it as the {API_KEY_HEADER} header): {purpose}")
    return client


@bp.post("/requests.<fmt>")
@limiter.limit(submit_limit)
def post_request(fmt: str):
    fmt = _format(fmt)
    form = request.form
    client = _client("register your application with the Department")
    report = _report_from(form, _report_schema())
    if any(form.getlist("media")):  # a media part that arrived as text: its header was broken
        raise ApiError(400, "media: the part arrived as text, not as a file (a broken multipart header?); "
                            "nothing was saved")
    files = [f for f in request.files.getlist("media") if f]
    if len(files) > 1:
        raise ApiError(400, "media: one photo or video per request")
    header = request.headers.get("Idempotency-Key", "").strip()
    if header and not IDEMPOTENCY_KEY.match(header):
        raise ApiError(400, "Idempotency-Key: 1 to 60 letters, digits, '.', '_', ':' or '-'")
    contact = _contact(form)
    done = citizen.submit(db(), store(), report, reporter=contact or None, anonymous=not contact,
                          uploads=[Upload(f.filename or "media", f.stream) for f in files],
                          key=f"idem:{client.id}:{header}" if header else None, client=client,
                          source=f"open311:{client.name}"[:40])
    return _reply("service_requests", [{"service_request_id": done.case.code, "token": done.token,
                                        "service_notice": _service_notice(done.case),
                                        "account_id": None}], fmt, 201)


# --- reading requests ------------------------------------------------------------------------------------

def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _service_notice(case: Case) -> str:
    """What the case's version promises: its level's deadline, or the range of all levels before classification."""
    hours = versions.deadline_hours(case.process_version)
    if case.level in hours.levels:
        return NOTICES[case.level].format(hours=hours.levels[case.level])
    span = hours.span()
    return NOTICES[None].format(low=span[0], high=span[1]) if span else NOTICE_WITHOUT_HOURS


def _status_notes(case: Case) -> str | None:
    if case.status == CaseStatus.NOT_ACCEPTED.value:
        return NOT_ACCEPTED_NOTE
    if case.published_at is None:
        return None
    return citizen.public_view(db(), case.code)["result"]


def _position(case: Case) -> tuple[float | None, float | None]:
    if case.report.get("lat") is not None:
        return case.report.get("lat"), case.report.get("long")
    match = LAT_LONG.match(str(case.report.get("address") or ""))
    return (float(match.group(1)), float(match.group(2))) if match else (None, None)


def _request_rows(found: list[Case]) -> list[dict[str, Any]]:
    """Public facts only: no reporter, no staff, no internal notes, no photos."""
    unit_names = directory.unit_names(db())
    rows = []
    for case in found:
        lat, long = _position(case)
        rows.append({
            "service_request_id": case.code, "status": "closed" if case.status in CLOSED else "open",
            "status_notes": _status_notes(case),
            "service_name": glossary.term("categories", case.category, "vi") if case.category else None,
            "service_code": case.category, "description": case.report.get("description"),
            "agency_responsible": unit_names.get(case.handling_unit or "") or DEPARTMENT,
            "service_notice": _service_notice(case),
            "requested_datetime": _iso(case.received_at),
            "updated_datetime": _iso(citizen.latest_time(case.published_at, case.closed_at, case.received_at)),
            "expected_datetime": _iso(case.deadline_at),
            "overdue": is_overdue(case),  # the same rule as staff pages (engine.deadlines)
            "address": case.report.get("address"), "address_id": None, "zipcode": None,
            "lat": lat, "long": long, "media_url": None,  # photos are evidence: not published by the API
        })
    return rows


def _search_filter(args: Any) -> open311_search.RequestSearch:
    """The search parameters, checked (400 with the parameter's name when one is not valid)."""
    codes = [tracking_codes.normalise_or_none(c) or c.strip().upper()
             for c in args.get("service_request_id", "").split(",") if c.strip()]
    if codes:  # GeoReport v2: with service_request_id the other filters are ignored
        return open311_search.RequestSearch(codes=tuple(codes[:MAX_RESULTS]))
    start = _parse_time("start_date", args["start_date"]) if args.get("start_date", "").strip() else None
    end = _parse_time("end_date", args["end_date"]) if args.get("end_date", "").strip() else None
    if start is None:
        start = (end or now()) - DEFAULT_WINDOW
    if end is not None and end < start:
        raise ApiError(400, "end_date: before start_date")
    statuses = {s.strip().lower() for s in args.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise ApiError(400, "status: open or closed")
    return open311_search.RequestSearch(
        since=start, until=end,
        service_codes=tuple(c.strip() for c in args.get("service_code", "").split(",") if c.strip()),
        status=next(iter(statuses)) if len(statuses) == 1 else None)


@bp.get("/requests.<fmt>")
@limiter.limit(lookup_limit)
def list_requests(fmt: str):
    """Searching across reports needs a registered application's key (one report by id needs only its id,
    which is its unguessable tracking code — the same rule as the portal)."""
    fmt = _format(fmt)
    client = _client("searching requests is for registered applications")
    wanted = _search_filter(request.args)
    found = open311_search.search(db(), Actor(f"api:{client.name}", frozenset()), wanted)
    return _reply("service_requests", _request_rows(found), fmt)


@bp.get("/requests/<service_request_id>.<fmt>")
@lookup
def show_request(service_request_id: str, fmt: str):
    fmt = _format(fmt)
    return _reply("service_requests", _request_rows([cases.get_case_by_code(db(), service_request_id)]), fmt)


@bp.get("/tokens/<token>.<fmt>")
@lookup
def token_request(token: str, fmt: str):
    """Only the application that submitted the request may turn its token into the request id (the tracking
    code); any other token, another application's included, is unknown."""
    fmt = _format(fmt)
    case = citizen.case_for_token(db(), token, _client("tokens belong to the application that submitted"))
    return _reply("service_requests", [{"service_request_id": case.code, "token": token}], fmt)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
