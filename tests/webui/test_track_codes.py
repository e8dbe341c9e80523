"""The track page and Open311 find a report by its code however it was typed, say why a code cannot be one,
and show the facility and when the violation was seen."""
from __future__ import annotations

import re

import pytest

from engine import citizen
from engine.db import transaction
from tests.webui.test_portal import submit, tracking_code


@pytest.fixture
def code(browser) -> str:
    assert submit(browser, {"observed_at": "2026-11-22T19:45"}).status_code == 302  # the evening before
    return tracking_code(browser)


def variants(code: str) -> list[str]:
    raw = code.replace("-", "")
    return [raw, raw.lower(), f" {code} ", f"{raw[:5].lower()} {raw[5:].lower()}", f"{raw[:3]} {raw[3:7]} {raw[7:]}"]


def test_a_code_typed_any_way_finds_the_report(browser, code):
    for typed in variants(code):
        page = browser.get("/track", query_string={"code": typed})
        assert page.status_code == 200, typed
        assert f'id="track-code">{code}<' in page.get_data(as_text=True)


def test_a_code_with_a_look_alike_says_which_characters_codes_never_hold(browser, code):
    page = browser.get("/track", query_string={"code": code[:4] + "0" + code[5:]})
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and 'id="lookup-error"' in html
    assert re.search(r"không bao giờ chứa 0, O, 1, I, L", html)
    short = browser.get("/track", query_string={"code": code[:8]}).get_data(as_text=True)
    assert "gồm 10 chữ cái và chữ số" in short and f'value="{code[:8]}"' in short  # what was typed is kept


def test_the_track_page_shows_the_facility_and_when_it_was_seen(browser, code):
    html = browser.get("/track", query_string={"code": code}).get_data(as_text=True)
    assert re.search(r'id="track-facility">\s*Spa Hoa Hồng<', html)
    assert re.search(r'id="track-observed">\s*22/11/2026 19:45<', html)


def test_the_rating_form_accepts_the_code_typed_any_way(browser, code, drive, factory):
    from tests.webui.test_portal import publish

    with transaction(factory) as session:
        case_id = citizen.cases.get_case_by_code(session, code).id
    publish(drive, case_id)
    answer = browser.post("/track/feedback", data={"code": code.replace("-", "").lower(), "resolved": "true",
                                                   "rating": "4"})
    assert answer.status_code == 302 and drive.case(case_id).status == "closed"


def test_open311_finds_a_request_by_its_id_typed_any_way(app, code):
    api = app.test_client()
    for typed in variants(code)[:2]:
        reply = api.get(f"/open311/v2/requests/{typed}.json")
        assert reply.status_code == 200 and reply.get_json()[0]["service_request_id"] == code
    assert api.get("/open311/v2/requests/OOOOO-OOOOO.json").status_code == 404
