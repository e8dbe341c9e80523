"""The Open311 GeoReport v2 API: a registered application lists the services, posts a report, and follows it
through the staff steps to the published result — in JSON and XML, with Open311-shaped errors, and never
showing the reporter's contact details."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest
from lxml import etree
from PIL import Image
from sqlalchemy import func, select

from engine import citizen, units
from engine.db import transaction
from engine.glossary import term
from engine.models import Attachment, AuditEntry, Case
from tests.factories import deploy_main_changed

API = "/open311/v2"
CONTACT = {"first_name": "Hằng", "last_name": "Vương Thị", "phone": "0903 555 777", "email": "hang.secret@example.org"}
CONTACT_TEXTS = ("Hằng", "Vương Thị", "0903 555 777", "hang.secret@example.org")
REPORT = {"service_code": "cosmetic_surgery",
          "description": "Tiêm filler không phép tại tầng 2, khách ra vào buổi tối.",
          "address_string": "12 Lê Lợi", "attribute[ward]": "ward-ben-thanh",
          "attribute[facility_name]": "Spa Hoa Hồng"}
SUMMARY = "Đã xử phạt 50 triệu đồng và đình chỉ hoạt động."


@pytest.fixture(autouse=True)
def _generous_submit_limit(monkeypatch):
    monkeypatch.setenv("RR_LIMIT_SUBMIT", "100/minute")


@pytest.fixture
def api(app):
    return app.test_client()


@pytest.fixture
def api_key(factory) -> str:
    with transaction(factory) as session:
        return citizen.register_client(session, "city-portal", "tests")


def post(api, key, fmt="json", headers=None, **fields):
    data = {"api_key": key, **REPORT, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    multipart = "media" in data
    return api.post(f"{API}/requests.{fmt}", data=data, headers=headers or {},
                    content_type="multipart/form-data" if multipart else "application/x-www-form-urlencoded")


def errors_of(response) -> list[tuple[int, str]]:
    """(code, description) of an Open311 error answer, JSON or XML."""
    if response.mimetype == "text/xml":
        root = etree.fromstring(response.data)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root.iter("error")]
    return [(e["code"], e["description"]) for e in response.get_json()]


def count_cases(factory) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(Case))


def case_id_of(factory, code: str) -> int:
    with transaction(factory) as session:
        return session.scalar(select(Case.id).where(Case.code == code))


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "blue").save(out, format="JPEG")
    return out.getvalue()


def test_services_are_the_report_categories_in_json_and_xml(api):
    response = api.get(f"{API}/services.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    services = {s["service_code"]: s for s in response.get_json()}
    assert len(services) == 8
    assert services["cosmetic_surgery"] == {
        "service_code": "cosmetic_surgery", "service_name": term("categories", "cosmetic_surgery", "vi"),
        "description": term("categories", "cosmetic_surgery", "en"), "metadata": True, "type": "realtime",
        "keywords": f"cosmetic surgery, {term('categories', 'cosmetic_surgery', 'en')}", "group": "health"}

    xml = api.get(f"{API}/services.xml")
    assert xml.status_code == 200 and xml.mimetype == "text/xml"
    assert xml.data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(xml.data)
    assert root.tag == "services"
    first = root.find("service")
    assert first.findtext("service_code") == "cosmetic_surgery"
    assert first.findtext("metadata") == "true" and first.findtext("type") == "realtime"
    assert [s.findtext("service_code") for s in root.iter("service")] == list(services)


def test_a_service_definition_lists_all_168_commune_level_units_once_imported(api, factory):
    with transaction(factory) as session:
        units.import_wards(session, 79, actor="admin")
    ward = api.get(f"{API}/services/unlicensed_pharmacy.json").get_json()["attributes"][0]
    assert ward["code"] == "ward" and len(ward["values"]) == 168
    assert len({v["key"] for v in ward["values"]}) == 168
    assert {"key": "zone-con-dao", "name": "Đặc khu Côn Đảo"} in ward["values"]
    assert {"key": "commune-can-gio", "name": "Xã Cần Giờ"} in ward["values"]


def test_a_service_definition_offers_the_wards_and_the_optional_attributes(api):
    definition = api.get(f"{API}/services/unlicensed_pharmacy.json").get_json()
    assert definition["service_code"] == "unlicensed_pharmacy"
    ward, facility, observed = definition["attributes"]
    assert (ward["code"], ward["datatype"], ward["required"], ward["order"]) == ("ward", "singlevaluelist", True, 1)
    assert {"key": "ward-ben-thanh", "name": "Phường Bến Thành"} in ward["values"]
    assert {v["key"] for v in ward["values"]} == {"ward-ben-thanh", "ward-sai-gon", "ward-tan-dinh"}
    assert (facility["code"], facility["datatype"], facility["required"]) == ("facility_name", "string", False)
    assert (observed["code"], observed["datatype"], observed["required"]) == ("observed_at", "datetime", False)

    root = etree.fromstring(api.get(f"{API}/services/unlicensed_pharmacy.xml").data)
    assert root.tag == "service_definition"
    keys = root.xpath("attributes/attribute[code='ward']/values/value/key/text()")
    assert "ward-tan-dinh" in keys


def test_unknown_services_formats_and_endpoints_are_open311_404s(api):
    unknown = api.get(f"{API}/services/parking.json")
    assert unknown.status_code == 404 and errors_of(unknown)[0][0] == 404
    as_xml = api.get(f"{API}/services/parking.xml")
    assert as_xml.status_code == 404 and as_xml.mimetype == "text/xml" and errors_of(as_xml)[0][0] == 404
    bad_format = api.get(f"{API}/services.html")
    assert bad_format.status_code == 404 and bad_format.mimetype == "application/json"
    assert "use .json or .xml" in errors_of(bad_format)[0][1]
    nowhere = api.get(f"{API}/discovery.json")
    assert nowhere.status_code == 404 and errors_of(nowhere)[0][0] == 404
    missing = api.get(f"{API}/requests/AAAAA-AAAAA.json")
    assert missing.status_code == 404 and errors_of(missing) == [(404, "No case has this tracking code")]
    assert api.get(f"{API}/tokens/nope.xml").status_code == 403  # tokens need the submitting application's key


def test_posting_needs_a_registered_api_key(api, api_key, factory):
    for key in (None, "not-a-key"):
        response = post(api, key)
        assert response.status_code == 403
        assert errors_of(response)[0][0] == 403 and "api_key" in errors_of(response)[0][1]
    assert count_cases(factory) == 0


@pytest.mark.parametrize(("fields", "expected"), [
    ({"address_string": None}, "location required"),
    ({"address_string": None, "lat": "10.77"}, "lat, long: give both or neither"),
    ({"lat": "north", "long": "106.7"}, "lat: not a WGS84 coordinate"),
    ({"lat": "1_0", "long": "106.7"}, "lat: not a WGS84 coordinate"),  # float() would read 10
    ({"lat": "10.7", "long": "١٠٦"}, "long: not a WGS84 coordinate"),  # Arabic-Indic digits
    ({"lat": "1e1", "long": "106.7"}, "lat: not a WGS84 coordinate"),
    ({"attribute[ward]": "ward-atlantis"}, "attribute[ward]"),
    ({"attribute[ward]": None}, "attribute[ward]"),
    ({"description": "x" * 4001}, "description: at most 4000 characters"),
    ({"description": "short"}, "description"),
    ({"attribute[observed_at]": "yesterday evening"}, "attribute[observed_at]: not an ISO 8601 date-time"),
    ({"attribute[observed_at]": "2027-01-01T00:00:00+07:00"}, "attribute[observed_at]"),  # later than now
    ({"service_code": "parking"}, "service_code: unknown service"),
    ({"email": "not-an-address"}, "email"),
])
def test_invalid_requests_are_refused_with_400_naming_the_parameter(api, api_key, factory, fields, expected):
    response = post(api, api_key, **fields)
    assert response.status_code == 400
    problems = errors_of(response)
    assert all(code == 400 for code, _ in problems)
    assert any(expected in description for _, description in problems), problems
    assert count_cases(factory) == 0


def test_errors_come_in_the_format_of_the_url(api, api_key):
    response = post(api, api_key, fmt="xml", address_string=None)
    assert response.status_code == 400 and response.mimetype == "text/xml"
    root = etree.fromstring(response.data)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "400" and "location required" in root.findtext("error/description")


@pytest.mark.parametrize("query", ["start_date=last+week", "end_date=2026-13-01T00:00:00Z", "status=pending",
                                   "start_date=2026-11-20T00:00:00Z&end_date=2026-11-01T00:00:00Z"])
def test_bad_search_parameters_are_400(api, api_key, query):
    response = api.get(f"{API}/requests.json?api_key={api_key}&{query}")
    assert response.status_code == 400 and errors_of(response)[0][0] == 400


def outputs(api, code: str, token: str, api_key: str) -> dict[str, str]:
    """Every endpoint's answer, in both formats, as text."""
    paths = ["services", "services/cosmetic_surgery", "requests", f"requests/{code}", f"tokens/{token}"]
    return {f"{p}.{fmt}": api.get(f"{API}/{p}.{fmt}?api_key={api_key}").get_data(as_text=True)
            for p in paths for fmt in ("json", "xml")}


def test_a_report_posted_by_an_application_is_followed_to_its_published_result(api, api_key, factory, drive, clock):
    response = post(api, api_key, **CONTACT, **{"attribute[observed_at]": "2026-11-22T21:30:00+07:00"})
    assert response.status_code == 201
    [answer] = response.get_json()
    code, token = answer["service_request_id"], answer["token"]
    assert answer["account_id"] is None and answer["service_notice"]
    case_id = case_id_of(factory, code)
    case = drive.case(case_id)
    assert case.source == "open311:city-portal"
    assert case.report["observed_at"] == "2026-11-22T21:30:00+07:00"
    assert case.reporter == {"name": "Hằng Vương Thị", "phone": "0903 555 777", "email": "hang.secret@example.org"}

    [received] = api.get(f"{API}/requests/{code}.json").get_json()
    assert (received["status"], received["status_notes"], received["expected_datetime"]) == ("open", None, None)
    assert received["requested_datetime"] == "2026-11-23T08:00:00+07:00"  # the frozen clock, in Ho Chi Minh City
    assert received["agency_responsible"] == "Sở Y tế TP. Hồ Chí Minh"

    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"})
    drive.do("intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate",
                                             "classification_note": "Cấp 2"})
    drive.do("inspectorate", case_id, "start_handling", {"handling_plan": "Lập đoàn kiểm tra"})
    [handling] = api.get(f"{API}/requests/{code}.json").get_json()
    assert handling["status_notes"] is None  # nothing published yet
    drive.do("inspectorate", case_id, "enter_result", {
        "findings": "Cơ sở tiêm filler không phép", "measures": ["fine", "suspension"], "fine_amount": 50000000,
        "citizen_summary": SUMMARY})
    drive.do("inspector", case_id, "verify_result", {"verification": "accept"})

    [published] = api.get(f"{API}/requests/{code}.json").get_json()
    requested = datetime.fromisoformat(published["requested_datetime"])
    assert published["status"] == "open"  # waiting for the citizen's rating
    assert published["status_notes"] == SUMMARY
    assert datetime.fromisoformat(published["expected_datetime"]) - requested == timedelta(hours=48)
    assert published["agency_responsible"] == "Thanh tra Sở Y tế"
    assert (published["service_code"], published["service_name"]) == (
        "cosmetic_surgery", term("categories", "cosmetic_surgery", "vi"))  # the same name as on the pages
    assert (published["address"], published["lat"], published["long"]) == ("12 Lê Lợi", None, None)
    assert published["media_url"] is None and published["address_id"] is None

    root = etree.fromstring(api.get(f"{API}/requests/{code}.xml").data)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == code
    assert root.findtext("request/status_notes") == SUMMARY
    assert root.findtext("request/expected_datetime") == published["expected_datetime"]

    by_key = {"X-API-Key": api_key}
    assert api.get(f"{API}/tokens/{token}.json", headers=by_key).get_json() == [
        {"service_request_id": code, "token": token}]
    assert etree.fromstring(api.get(f"{API}/tokens/{token}.xml?api_key={api_key}").data).findtext(
        "request/service_request_id") == code

    def found(query: str) -> list[str]:
        response = api.get(f"{API}/requests.json?api_key={api_key}&{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [r["service_request_id"] for r in response.get_json()]

    assert found("") == [code]
    assert found(f"service_request_id={code.lower()},AAAAA-AAAAA") == [code]
    assert found("service_code=cosmetic_surgery&status=open") == [code]
    assert found("service_code=service_prices") == []
    assert found("status=closed") == []
    assert found("start_date=2026-11-23T00:00:00%2B07:00&end_date=2026-11-23T09:00:00+07:00") == [code]
    assert found("start_date=2026-11-24T00:00:00Z") == []
    assert found("end_date=2026-11-22T00:00:00Z") == []

    for name, text in outputs(api, code, token, api_key).items():
        for secret in CONTACT_TEXTS:
            assert secret not in text, f"{secret!r} appears in {name}"
            assert json.dumps(secret)[1:-1] not in text, f"{secret!r} (escaped) appears in {name}"


def test_a_retry_with_the_same_idempotency_key_creates_one_case(api, api_key, factory):
    first = post(api, api_key, headers={"Idempotency-Key": "portal-42"})
    again = post(api, api_key, headers={"Idempotency-Key": "portal-42"})
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    [answer] = first.get_json()
    assert "portal-42" not in answer["token"] and ":" not in answer["token"]  # random, not idem:<client>:<key>
    assert count_cases(factory) == 1
    looked_up = api.get(f"{API}/tokens/{answer['token']}.json", headers={"X-API-Key": api_key}).get_json()
    assert looked_up == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]

    with transaction(factory) as session:
        other_key = citizen.register_client(session, "district-app", "tests")
    other = post(api, other_key, headers={"Idempotency-Key": "portal-42"})
    assert other.get_json()[0]["service_request_id"] != answer["service_request_id"]  # keys are per application
    assert post(api, api_key, headers={"Idempotency-Key": "no spaces please"}).status_code == 400
    assert count_cases(factory) == 2


def test_coordinates_alone_locate_the_report(api, api_key, factory):
    response = post(api, api_key, address_string=None, lat="10.776889", long="106.700806")
    code = response.get_json()[0]["service_request_id"]
    [shown] = api.get(f"{API}/requests/{code}.json").get_json()
    assert (shown["address"], shown["lat"], shown["long"]) == ("10.776889,106.700806", 10.776889, 106.700806)


def test_a_photo_sent_as_media_is_stored_and_never_published(api, api_key, factory):
    response = post(api, api_key, media=(io.BytesIO(jpeg()), "IMG_0001.jpg"))
    assert response.status_code == 201
    code = response.get_json()[0]["service_request_id"]
    with transaction(factory) as session:
        [attachment] = session.scalars(select(Attachment).where(Attachment.case_id == case_id_of(factory, code)))
        assert (attachment.filename, attachment.content_type) == ("IMG_0001.jpg", "image/jpeg")
    assert api.get(f"{API}/requests/{code}.json").get_json()[0]["media_url"] is None


def test_a_procedure_that_fails_on_every_request_is_a_500_not_the_clients_fault(api, api_key, factory):
    deploy_main_changed(factory, 'set_status("received")', 'set_status("zzz")')
    response = post(api, api_key)
    assert response.status_code == 500
    assert errors_of(response) == [(500, "the department's procedure failed on this request, not because of it; "
                                         "nothing was saved, please send it again later")]
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        fault = session.scalar(select(AuditEntry).where(AuditEntry.kind == "report_not_opened"))
        assert fault.detail["channel"] == "open311" and fault.detail["reason"]["code"] == "incident_reason"


def test_a_media_part_that_arrived_as_text_is_a_400_and_nothing_is_saved(api, api_key, factory):
    response = post(api, api_key, media="\xff\xd8\xff\xe0 bytes of a photo")  # a part whose header was broken
    assert response.status_code == 400
    assert errors_of(response) == [(400, "media: the part arrived as text, not as a file (a broken multipart "
                                          "header?); nothing was saved")]
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


@pytest.mark.parametrize(("content", "name"), [(b"MZ\x90\x00\x03" + bytes(2000), "setup.exe"),
                                               (b"just some words\n" * 20, "notes.jpg")])
def test_other_files_as_media_are_refused(api, api_key, factory, content, name):
    response = post(api, api_key, media=(io.BytesIO(content), name))
    assert response.status_code == 400
    assert errors_of(response)[0][1].startswith("media: ")
    assert count_cases(factory) == 0


def test_lookups_are_rate_limited_with_an_open311_429(api, monkeypatch):
    monkeypatch.setenv("RR_LIMIT_LOOKUP", "2/minute")
    assert api.get(f"{API}/requests/AAAAA-AAAAA.json").status_code == 404
    assert api.get(f"{API}/requests/AAAAA-AAAAA.xml").status_code == 404
    refused = api.get(f"{API}/requests/AAAAA-AAAAA.json")
    assert refused.status_code == 429
    [(code, description)] = errors_of(refused)
    assert code == 429 and "too many requests" in description
    as_xml = api.get(f"{API}/requests/AAAAA-AAAAA.xml")
    assert as_xml.status_code == 429 and errors_of(as_xml)[0][0] == 429
    assert api.get(f"{API}/services.json").status_code == 200  # the service list is not a lookup


def test_searching_requests_needs_a_registered_application(api, api_key):
    assert api.get(f"{API}/requests.json").status_code == 403
    assert api.get(f"{API}/requests.json?api_key=wrong").status_code == 403
    assert api.get(f"{API}/requests.json?api_key={api_key}").status_code == 200


def test_a_token_is_random_and_only_the_submitting_application_can_look_it_up(api, api_key, factory):
    """Finding: tokens answered without a key, and an idempotent request's token was idem:<client>:<key>."""
    first = post(api, api_key).get_json()[0]
    second = post(api, api_key, headers={"Idempotency-Key": "portal-7"}).get_json()[0]
    tokens = {first["token"], second["token"]}
    assert len(tokens) == 2 and all(len(t) >= 20 and "portal-7" not in t for t in tokens)
    with transaction(factory) as session:
        other_key = citizen.register_client(session, "district-app", "tests")
    other_token = post(api, other_key).get_json()[0]["token"]

    mine = api.get(f"{API}/tokens/{second['token']}.json", headers={"X-API-Key": api_key})
    assert mine.get_json() == [{"service_request_id": second["service_request_id"], "token": second["token"]}]
    for token in tokens:
        for headers in ({}, {"X-API-Key": "not-a-key"}):
            refused = api.get(f"{API}/tokens/{token}.json", headers=headers)
            assert refused.status_code == 403 and "service_request_id" not in refused.get_data(as_text=True)
        # another application: exactly the answer for a token that does not exist
        theirs = api.get(f"{API}/tokens/{token}.json", headers={"X-API-Key": other_key})
        unknown = api.get(f"{API}/tokens/{token[::-1]}x.json", headers={"X-API-Key": other_key})
        assert (theirs.status_code, errors_of(theirs)) == (unknown.status_code, errors_of(unknown)) == (
            404, [(404, "Unknown token")])
    assert api.get(f"{API}/tokens/{other_token}.json", headers={"X-API-Key": other_key}).status_code == 200
    assert api.get(f"{API}/tokens/{other_token}.json", headers={"X-API-Key": api_key}).status_code == 404


def test_the_api_key_is_accepted_in_the_x_api_key_header(api, api_key, factory):
    response = api.post(f"{API}/requests.json", data=REPORT, headers={"X-API-Key": api_key})
    assert response.status_code == 201
    code = response.get_json()[0]["service_request_id"]
    with transaction(factory) as session:
        assert session.scalar(select(Case.source).where(Case.code == code)) == "open311:city-portal"
    assert api.get(f"{API}/requests.json", headers={"X-API-Key": api_key}).status_code == 200
    refused = api.post(f"{API}/requests.json", data=REPORT, headers={"X-API-Key": "wrong"})
    assert refused.status_code == 403 and "X-API-Key" in errors_of(refused)[0][1]
    assert count_cases(factory) == 1


def test_one_lookup_budget_per_ip_is_shared_by_track_requests_and_tokens(api, api_key, monkeypatch):
    """Finding: each lookup endpoint had its own budget, so an attacker guessing codes got three."""
    monkeypatch.setenv("RR_LIMIT_LOOKUP", "3/minute")
    headers = {"X-API-Key": api_key}
    assert api.get("/track?code=AAAAA-AAAAA").status_code == 404
    assert api.get(f"{API}/requests/AAAAA-AAAAA.json").status_code == 404
    assert api.get(f"{API}/tokens/guess.json", headers=headers).status_code == 404
    for url in ("/track?code=BBBBB-BBBBB", f"{API}/requests/BBBBB-BBBBB.xml", f"{API}/tokens/guess2.json"):
        assert api.get(url, headers=headers).status_code == 429, url
    other_ip = {"REMOTE_ADDR": "203.0.113.7"}  # the budget is per IP
    assert api.get("/track?code=AAAAA-AAAAA", environ_base=other_ip).status_code == 404


def test_a_refused_photo_or_rating_counts_against_the_lookup_budget(api, monkeypatch):
    monkeypatch.setenv("RR_LIMIT_LOOKUP", "2/minute")
    assert api.get("/track/photo/1?code=AAAAA-AAAAA").status_code == 404
    assert api.post("/track/feedback", data={"code": "AAAAA-AAAAA"}).status_code == 404
    assert api.get("/track?code=AAAAA-AAAAA").status_code == 429


def test_an_address_with_characters_xml_cannot_hold_is_still_answered_in_xml(api, api_key):
    answer = post(api, api_key, address_string="12 Lê\ufffe Lợi\x01\uffff")
    assert answer.status_code == 201, answer.get_data(as_text=True)
    code = answer.get_json()[0]["service_request_id"]
    as_xml = api.get(f"{API}/requests/{code}.xml")
    assert as_xml.status_code == 200
    assert etree.fromstring(as_xml.data).findtext("request/address") == "12 Lê Lợi"
    refused = post(api, api_key, fmt="xml", service_code="spa\x01\ufffe")  # the answer repeats the bad value
    assert refused.status_code == 400 and "service_code" in errors_of(refused)[0][1]
