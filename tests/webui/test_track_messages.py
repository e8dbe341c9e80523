"""The /track page lists what the reporter was told, with times, whether or not an e-mail went out; the mails
are written in the portal language the reporter used."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from engine.db import transaction
from engine.models import Case, OutboxEmail
from tests.webui.conftest import text_of

REPORT = {"category": "cosmetic_surgery", "description": "Tiêm filler trái phép tại tầng 2 mỗi tối.",
          "facility_name": "Spa Hoa Hồng", "address": "12 Lê Lợi", "ward": "ward-ben-thanh"}
SCREEN_IN = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}


def submit(client, extra: dict, key: str) -> str:
    response = client.post("/report", data={**REPORT, "submission_key": key, **extra},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get("/report/done").get_data(as_text=True)
    return re.search(r'id="tracking-code">([A-Z0-9-]+)<', html).group(1)


def case_id_of(factory, code: str) -> int:
    with transaction(factory) as session:
        return session.scalar(select(Case.id).where(Case.code == code))


def test_an_anonymous_reporter_reads_every_message_on_the_track_page(browser, drive, factory):
    code = submit(browser.client, {"anonymous": "1"}, "anon-1")
    case_id = case_id_of(factory, code)
    drive.clock.advance(hours=2)
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate", "classification_note": "x"})
    deadline = drive.case(case_id).deadline_at

    response = browser.get(f"/track?code={code}")
    html, text = response.get_data(as_text=True), text_of(response)
    assert 'id="track-messages"' in html
    assert re.findall(r'<li class="list-group-item" data-step="(\w+)"', html) == ["classified", "received"]
    assert "Phản ánh đã được phân loại cấp độ 2" in text and "Thanh tra Sở Y tế" in text
    local_deadline = (deadline + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M")  # Ho Chi Minh City time
    assert f"Thời hạn xử lý: {local_deadline} (giờ Việt Nam)" in text
    assert "Sở Y tế TP. Hồ Chí Minh đã tiếp nhận phản ánh của Ông/Bà" in text
    assert "đã gửi kèm qua e-mail" not in text  # no address, no mail
    with transaction(factory) as session:
        assert session.scalars(select(OutboxEmail)).all() == []


def test_an_english_reporter_gets_english_mails_and_reads_the_page_in_english(browser, drive, factory):
    browser.post("/lang/en")
    code = submit(browser.client, {"name": "Jane Doe", "email": "jane@example.org"}, "en-1")
    case_id = case_id_of(factory, code)
    drive.do("intake", case_id, "screen", SCREEN_IN)
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh",
                                             "classification_note": "x"})
    with transaction(factory) as session:
        mails = list(session.scalars(select(OutboxEmail).where(OutboxEmail.to_addr == "jane@example.org")
                                     .order_by(OutboxEmail.id)))
    assert [m.subject for m in mails] == [f"[{code}] The Department of Health received your report",
                                          f"[{code}] Your report was classified at level 1"]
    assert f"/track?code={code}" in mails[0].body and "People's Committee of the ward or commune" in mails[1].body

    text = text_of(browser.get(f"/track?code={code}"))
    assert "Messages" in text and "Your report was classified at level 1" in text and "also sent by e-mail" in text
