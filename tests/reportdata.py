"""A hand-built week of cases for the report tests, driven through the engine services at chosen instants.

The week is 2026-W48 (Monday 23 November 2026 00:00 to Monday 30 November 00:00, Ho Chi Minh City time);
START (tests/conftest.py) is Monday 08:00 local. Every time below is in hours after START. The report is read
at AT_HOURS (Sunday 12:00 local). The right answers are written in tests/engine/test_reports.py.

| case | level | ward      | received | screened | published | other                                        |
|------|-------|-----------|----------|----------|-----------|----------------------------------------------|
| A    | 1     | Bến Thành | 0        | 1        | 10        | rated 5, resolved (closed) at 12             |
| B    | 1     | Bến Thành | 2        | 5        | 30        | service prices; deadline 26: published late  |
| C    | 2     | Tân Định  | 4        | 4.5      | 24        | rated 1 "not resolved" at 30, reopened at 32 |
| D    | 2     | Bến Thành | 24       | 26       | —         | deadline 72: overdue                         |
| E    | 1     | Tân Định  | 130      | 131      | —         | deadline 154: pending at AT                  |
| G    | —     | Bến Thành | 50       | 55       | —         | out of scope                                 |
| H    | 1     | Bến Thành | -20      | -19      | 10        | received the week before; deadline 4: late   |
| I    | 3     | Bến Thành | 40       | 41       | —         | police and market; handling from 42; police  |
|      |       |           |          |          |           | acknowledges at 44, contributes at 60; market|
|      |       |           |          |          |           | acknowledges at 47; deadline 112: overdue    |
"""
from __future__ import annotations

from datetime import datetime, timedelta

from tests.casedriver import CaseDriver
from tests.conftest import START

AT_HOURS = 148
RESULT = {"findings": "Cơ sở vi phạm", "measures": ["fine"], "fine_amount": 5000000,
          "citizen_summary": "Đã xử phạt."}
HANDLERS = {"ward-ben-thanh": "ward", "ward-tan-dinh": "tandinh", "inspectorate": "inspectorate"}


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def _case(drive: CaseDriver, received: float, screened: float, *, ward: str = "ward-ben-thanh",
          level: int | None = None, category: str = "cosmetic_surgery", agencies: list[str] | None = None,
          started: float | None = None, published: float | None = None, facility: str = "Spa") -> int:
    drive.clock.set(at(received))
    case_id = drive.report(ward=ward, category=category, facility_name=facility)
    drive.clock.set(at(screened))
    if level is None:
        drive.do("intake", case_id, "screen", {"screening_outcome": "out_of_scope",
                                               "screening_reason": "Không thuộc lĩnh vực y tế"})
        return case_id
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    unit = ward if level == 1 else "inspectorate"
    classify = {"level": level, "handling_unit": unit, **({"agencies": agencies} if agencies else {})}
    drive.do("intake", case_id, "classify", classify)
    if started is not None:
        drive.clock.set(at(started))
    drive.do(HANDLERS[unit], case_id, "start_handling", {"handling_plan": "Kiểm tra"})
    if published is not None:
        drive.clock.set(at(published))
        drive.do(HANDLERS[unit], case_id, "enter_result", RESULT)
        drive.do("inspector", case_id, "verify_result", {"verification": "accept"})
    return case_id


def build_week(drive: CaseDriver) -> dict[str, int]:
    """The cases of the table above; returns their ids by letter. The clock stands at AT_HOURS afterwards."""
    ids = {"H": _case(drive, -20, -19, level=1, published=10, facility="Spa H")}
    ids["A"] = _case(drive, 0, 1, level=1, published=10, facility="Spa A")
    drive.clock.set(at(12))
    drive.do_as_citizen(ids["A"], {"resolved": True, "rating": 5})
    ids["B"] = _case(drive, 2, 5, level=1, category="service_prices", published=30, facility="Phòng khám B")
    ids["C"] = _case(drive, 4, 4.5, level=2, ward="ward-tan-dinh", published=24, facility="Thẩm mỹ C")
    drive.clock.set(at(30))
    drive.do_as_citizen(ids["C"], {"resolved": False, "rating": 1, "feedback_comment": "Vẫn hoạt động"})
    drive.clock.set(at(32))
    drive.do("inspector", ids["C"], "review_dispute", {"dispute_decision": "reopen", "dispute_note": "Kiểm tra lại"})
    ids["D"] = _case(drive, 24, 26, level=2, facility="Nha khoa D")
    ids["I"] = _case(drive, 40, 41, level=3, agencies=["police", "market-mgmt"], started=42, facility="Viện I")
    drive.clock.set(at(44))
    drive.do("police", ids["I"], "acknowledge_request", {"acknowledged_by": "Đại úy A"}, unit="police")
    drive.clock.set(at(47))
    drive.do("market", ids["I"], "acknowledge_request", {"acknowledged_by": "Ông B"}, unit="market-mgmt")
    drive.clock.set(at(60))
    drive.do("police", ids["I"], "contribute_findings", {"agency_findings": "Đã kiểm tra",
                                                         "urgent_phone_contact": False}, unit="police")
    ids["G"] = _case(drive, 50, 55, facility="Quán G")
    ids["E"] = _case(drive, 130, 131, level=1, ward="ward-tan-dinh", facility="Spa E")
    drive.clock.set(at(AT_HOURS))
    return ids
