"""The citizen rates a published result with five stars: a labelled radio group that works without JavaScript,
the comment optional, and a mistake shown on the track page with the answer kept."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import Case
from tests.webui.test_portal import publish, submit, tracking_code


@pytest.fixture
def published(browser, drive, factory) -> tuple[str, int]:
    submit(browser)
    code = tracking_code(browser)
    with transaction(factory) as session:
        case_id = session.scalar(select(Case.id).where(Case.code == code))
    publish(drive, case_id)
    return code, case_id


def test_the_rating_is_five_labelled_stars_in_a_fieldset(browser, published):
    code, _ = published
    html = browser.get(f"/track?code={code}").get_data(as_text=True)
    group = re.search(r'<fieldset[^>]*id="fb-rating-group".*?</fieldset>', html, re.S).group(0)
    assert "<legend" in group and "Bạn hài lòng với kết quả xử lý ở mức nào?" in group
    radios = re.findall(r'<input class="star-input" type="radio" name="rating" value="(\d)" id="([^"]+)"', group)
    assert [value for value, _ in radios] == ["1", "2", "3", "4", "5"]
    for value, radio_id in radios:  # every star is a labelled radio
        assert re.search(rf'<label class="star" for="{radio_id}"[^>]*><span class="visually-hidden">{value} trên 5 sao',
                         group)
    assert 'type="number"' not in html and "Mức độ hài lòng (1–5)" not in html  # no bare number box
    assert html.count("Vấn đề đã được giải quyết") == 1  # the question is not repeated
    assert re.search(r'<form method="post" action="/track\?code=[^"]+#feedback"', html)  # stays on the track page
    assert "/static/portal.css" in html and 'style="' not in group


def test_a_missing_star_is_shown_on_the_track_page_with_the_answer_kept(browser, published, drive):
    code, case_id = published
    bad = browser.post(f"/track?code={code}", data={"code": code, "resolved": "true",
                                                     "feedback_comment": "Nhân viên rất nhiệt tình"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="fb-rating-error"' in html and f'id="track-code">{code}<' in html
    assert "Nhân viên rất nhiệt tình" in html
    assert re.search(r'name="resolved"[^>]*value="true"[^>]*checked', html)
    assert drive.case(case_id).status == "result_published"
    kept = browser.post(f"/track?code={code}", data={"code": code, "rating": "4"}).get_data(as_text=True)
    assert re.search(r'value="4" id="fb-rating-4" checked', kept)  # the chosen star stays chosen


def test_stars_without_a_comment_close_the_case(browser, published, drive):
    code, case_id = published
    done = browser.post(f"/track?code={code}", data={"code": code, "resolved": "true", "rating": "5"})
    assert done.status_code == 302 and "/track?code=" in done.headers["Location"]
    assert drive.case(case_id).status == "closed"
