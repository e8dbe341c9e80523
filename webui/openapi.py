"""The OpenAPI 3 description of the Open311 GeoReport v2 API, served at /open311/v2/openapi.json.

Built from the same limits the API enforces (description length, date range, result cap), so the description
and the behaviour cannot drift apart silently; the fuzzing test (tests/webui/test_open311_fuzz.py) sends what
this description allows — and much it does not — and requires that no answer is a server error.
"""
from __future__ import annotations

from typing import Any

from . import params


def retention_note(days: int) -> str:
    return ("Contact details (first_name, last_name, phone, email) are used only to confirm receipt and to contact "
            "the reporter about this report while it is handled; they are never published and never returned by "
            f"this API, and they are erased {days} days after the case is closed (the case itself is kept).")


def _string(max_length: int, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, **extra}


def _date_time(description: str) -> dict[str, Any]:
    return {"type": "string", "format": "date-time", "maxLength": params.MAX_DATETIME_CHARS,
            "description": f"{description} ISO 8601, years {params.MIN_YEAR}–{params.MAX_YEAR}; without an "
                           "offset it is Ho Chi Minh City time."}


def _query(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _path(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


def _answers(ok: str, ok_schema: str, *codes: int) -> dict[str, Any]:
    reasons = {400: "invalid parameters: one description per problem, naming the parameter",
               403: "api_key missing or not valid", 404: "unknown service, request or token",
               409: "the same report is being submitted at this moment", 413: "the media file is too large",
               422: "the report is not valid", 429: "too many requests (Retry-After says when to try again)"}
    answers: dict[str, Any] = {ok: {"description": "success", "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{ok_schema}"}}}}}
    for code in codes:
        answers[str(code)] = {"description": reasons[code], "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Errors"}}}}
    return answers


def _request_fields(max_description: int) -> dict[str, Any]:
    return {
        "api_key": _string(200, description="The key of a registered application."),
        "service_code": _string(60, description="A service_code from services.json."),
        "description": _string(max_description, description="What was seen (10 characters or more)."),
        "lat": {"type": "number", "minimum": -90, "maximum": 90, "description": "WGS84 latitude (with long)."},
        "long": {"type": "number", "minimum": -180, "maximum": 180, "description": "WGS84 longitude (with lat)."},
        "address_string": _string(500, description="The address (required unless lat and long are given)."),
        "attribute[ward]": _string(40, description="The ward's key from the service definition."),
        "attribute[facility_name]": _string(300, description="The facility's name."),
        "attribute[observed_at]": _date_time("When it was seen."),
        "first_name": _string(100, description="The reporter's first name (optional; kept confidential)."),
        "last_name": _string(100, description="The reporter's last name (optional; kept confidential)."),
        "phone": _string(30, description="The reporter's phone (optional; kept confidential)."),
        "email": _string(254, format="email", description="The reporter's e-mail (optional; gets a confirmation)."),
    }


SCHEMAS: dict[str, Any] = {
    "Service": {"type": "object", "properties": {
        "service_code": {"type": "string"}, "service_name": {"type": "string"},
        "description": {"type": ["string", "null"]}, "metadata": {"type": "boolean"},
        "type": {"type": "string"}, "keywords": {"type": "string"}, "group": {"type": "string"}}},
    "Services": {"type": "array", "items": {"$ref": "#/components/schemas/Service"}},
    "ServiceDefinition": {"type": "object", "properties": {
        "service_code": {"type": "string"}, "attributes": {"type": "array", "items": {"type": "object"}}}},
    "ServiceRequest": {"type": "object", "properties": {
        "service_request_id": {"type": "string"}, "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": {"type": ["string", "null"]}, "service_name": {"type": ["string", "null"]},
        "service_code": {"type": ["string", "null"]}, "description": {"type": ["string", "null"]},
        "agency_responsible": {"type": "string"}, "service_notice": {"type": "string"},
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": {"type": "string", "format": "date-time"},
        "expected_datetime": {"type": ["string", "null"], "format": "date-time"},
        "address": {"type": ["string", "null"]}, "lat": {"type": ["number", "null"]},
        "long": {"type": ["number", "null"]}, "media_url": {"type": "null"}}},
    "ServiceRequests": {"type": "array", "items": {"$ref": "#/components/schemas/ServiceRequest"}},
    "Created": {"type": "array", "items": {"type": "object", "properties": {
        "service_request_id": {"type": "string"}, "token": {"type": "string"},
        "service_notice": {"type": "string"}, "account_id": {"type": "null"}}}},
    "Tokens": {"type": "array", "items": {"type": "object", "properties": {
        "service_request_id": {"type": "string"}, "token": {"type": "string"}}}},
    "Errors": {"type": "array", "items": {"type": "object", "required": ["code", "description"], "properties": {
        "code": {"type": "integer"}, "description": {"type": "string"}}}},
}


def document(max_description: int, max_results: int, retention_days: int) -> dict[str, Any]:
    """The OpenAPI 3.1 document (JSON paths; every path also answers in XML with `.xml` instead of `.json`)."""
    fields = _request_fields(max_description)
    note = retention_note(retention_days)
    code = _path("service_code", _string(60), "A service_code from services.json.")
    request_id = _path("service_request_id", _string(20), "The request's id (its tracking code).")
    form = {"type": "object", "required": ["api_key", "service_code"], "properties": fields}
    multipart = {"type": "object", "required": ["api_key", "service_code"],
                 "properties": {**fields, "media": {"type": "string", "format": "binary",
                                                             "description": "One photo or video."}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Rapid response — Open311 GeoReport v2", "version": "2",
                 "description": "Citizens' reports of health-sector violations to the Ho Chi Minh City Department "
                                "of Health. Every path also answers in XML (`.xml`). " + note},
        "servers": [{"url": "/open311/v2"}],
        "paths": {
            "/services.json": {"get": {"operationId": "listServices", "summary": "The report categories",
                                       "responses": _answers("200", "Services", 429)}},
            "/services/{service_code}.json": {"get": {
                "operationId": "serviceDefinition", "summary": "The attributes a request of this service takes",
                "parameters": [code], "responses": _answers("200", "ServiceDefinition", 404, 429)}},
            "/requests.json": {
                "post": {"operationId": "createRequest", "summary": "Submit a report (HTTP 201)",
                         "description": note,
                         "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                         "schema": _string(60, pattern=r"^[A-Za-z0-9._:-]{1,60}$"),
                                         "description": "Retrying with the same key creates one case."}],
                         "requestBody": {"required": True, "content": {
                             "application/x-www-form-urlencoded": {"schema": form},
                             "multipart/form-data": {"schema": multipart}}},
                         "responses": _answers("201", "Created", 400, 403, 409, 413, 422, 429)},
                "get": {"operationId": "searchRequests",
                        "summary": f"Search requests (newest first, at most {max_results})",
                        "parameters": [
                            _query("api_key", fields["api_key"], "A registered application's key.", True),
                            _query("service_request_id", _string(2000), "Comma-separated ids; other filters are "
                                                                       "then ignored."),
                            _query("service_code", _string(2000), "Comma-separated service codes."),
                            _query("start_date", _date_time("Received at or after."), "Default: 90 days before "
                                                                                      "end_date or now."),
                            _query("end_date", _date_time("Received at or before."), "Default: no end."),
                            _query("status", _string(20, pattern="^(open|closed)(,(open|closed))?$"),
                                   "open, closed or both (comma-separated)."),
                        ],
                        "responses": _answers("200", "ServiceRequests", 400, 403, 429)},
            },
            "/requests/{service_request_id}.json": {"get": {
                "operationId": "getRequest", "summary": "One request's public facts",
                "parameters": [request_id], "responses": _answers("200", "ServiceRequests", 404, 429)}},
            "/tokens/{token}.json": {"get": {
                "operationId": "getToken", "summary": "The service_request_id a submission token stands for",
                "parameters": [_path("token", _string(80), "The token returned by POST requests.")],
                "responses": _answers("200", "Tokens", 404, 429)}},
        },
        "components": {"schemas": SCHEMAS},
    }
