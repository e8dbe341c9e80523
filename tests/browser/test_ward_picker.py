"""The portal's ward picker in a real browser: with the 168 official units loaded, typing part of a name without
accents narrows the list and picks the only match; the report is filed under the unit's code."""
from __future__ import annotations

from sqlalchemy import select

from engine import units
from engine.db import transaction
from engine.models import Case

VISIBLE = "sel => Array.from(sel.options).filter(o => o.value && !o.hidden).map(o => o.text)"


def test_a_citizen_finds_the_ward_by_typing_without_accents_and_reports_there(page, live_server, shot):
    with transaction(live_server.factory) as session:
        units.import_wards(session, 79, actor="tests")
    page.goto("/report")
    ward = page.locator("#r-ward")
    assert len(ward.evaluate(VISIBLE)) == 168
    page.fill("#ward-search", "ben thanh")
    assert ward.evaluate(VISIBLE) == ["Phường Bến Thành"]
    assert ward.input_value() == "ward-ben-thanh"  # the only match is chosen
    shot(page, "ward-found")
    page.fill("#ward-search", "CAN GIO")
    assert ward.evaluate(VISIBLE) == ["Xã Cần Giờ"]
    page.fill("#ward-search", "")
    assert len(ward.evaluate(VISIBLE)) == 168

    page.fill("#ward-search", "dac khu")
    assert ward.input_value() == "zone-con-dao"
    page.select_option("#r-category", "unlicensed_pharmacy")
    page.fill("#r-description", "Bán thuốc kê đơn không cần đơn tại chợ.")
    page.fill("#r-address", "5 Nguyễn Huệ")
    page.click("#submit-report")
    page.wait_for_selector("#tracking-code")
    code = page.locator("#tracking-code").inner_text().strip()
    with transaction(live_server.factory) as session:
        assert session.scalar(select(Case.ward).where(Case.code == code)) == "zone-con-dao"
