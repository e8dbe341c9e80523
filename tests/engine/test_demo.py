"""The demo data follow the procedure's rules (they are made through the same services as real cases)."""
from __future__ import annotations

from sqlalchemy import select

from engine import demo
from engine.db import make_session_factory, transaction
from engine.models import Case, Unit, User


def test_demo_cases_go_to_the_units_the_classification_rules_name(factory, clock):
    with transaction(factory) as session:
        assert len(demo.seed_cases(session)) == 4
    with transaction(factory) as session:
        classified = session.scalars(select(Case).where(Case.level.is_not(None))).all()
        assert sorted(c.level for c in classified) == [1, 2, 3]
        for case in classified:
            expected = case.ward if case.level == 1 else "inspectorate"
            assert case.handling_unit == expected, (case.code, case.level, case.ward)
        level1 = next(c for c in classified if c.level == 1)
        assert level1.handling_unit == "ward-tan-dinh"
        staff = session.scalar(select(User).where(User.unit_code == level1.handling_unit))
        assert staff is not None  # someone in the demo can handle it


def test_the_demo_wards_are_real_units_with_their_official_codes(db_engine):
    with transaction(make_session_factory(db_engine)) as session:
        demo.seed_units(session)
    with transaction(make_session_factory(db_engine)) as session:
        wards = {u.code: (u.name, u.official_code, u.division)
                 for u in session.scalars(select(Unit).where(Unit.kind == "ward"))}
    assert wards == {"ward-ben-thanh": ("Phường Bến Thành", "26743", "ward"),
                     "ward-sai-gon": ("Phường Sài Gòn", "26740", "ward"),
                     "ward-tan-dinh": ("Phường Tân Định", "26737", "ward")}


def test_seed_lines_give_receipt_and_deadline_in_local_time_as_the_timer_command_takes_them(factory, clock):
    import re
    from datetime import datetime

    with transaction(factory) as session:
        lines = demo.seed_cases(session)
    waiting, level1 = lines[0], lines[1]
    received = re.search(r"received (\S+)$", waiting).group(1)
    assert received.endswith("+07:00") and "." not in received  # Ho Chi Minh City time, whole seconds
    with transaction(factory) as session:
        case = session.scalar(select(Case).where(Case.code == waiting.split(":")[0]))
        assert abs((datetime.fromisoformat(received) - case.received_at).total_seconds()) < 1
    deadline = re.search(r"deadline (\S+)$", level1).group(1)
    assert deadline.endswith("+07:00") and "." not in deadline and datetime.fromisoformat(deadline)
