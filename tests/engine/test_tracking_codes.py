"""Tracking codes as people type them: any case, with or without the dash, with spaces; look-alikes refused with
the reason (the alphabet holds neither member of a look-alike pair, so none can stand for another)."""
from __future__ import annotations

import string

import pytest

from engine import cases, tracking_codes
from engine.db import transaction
from engine.tracking_codes import BadTrackingCode, CodeProblem


@pytest.mark.parametrize("typed", ["RYH6D-UJGCY", "RYH6DUJGCY", "ryh6d ujgcy", " RYH6D-UJGCY ", "ryh6d-ujgcy",
                                   "RYH6D – UJGCY", "RYH.6D.UJG.CY", "ＲＹＨ６Ｄ－ＵＪＧＣＹ", "ryh6d\tujgcy\n"])
def test_a_code_typed_any_way_becomes_the_stored_code(typed):
    assert tracking_codes.normalise(typed) == "RYH6D-UJGCY"


@pytest.mark.parametrize(("typed", "problem"), [
    ("", CodeProblem.EMPTY), ("  - ", CodeProblem.EMPTY),
    ("RYH0D-UJGCY", CodeProblem.LOOKALIKE), ("RYHOD-UJGCY", CodeProblem.LOOKALIKE),
    ("RYH1D-UJGCY", CodeProblem.LOOKALIKE), ("ryhld-ujgcy", CodeProblem.LOOKALIKE),
    ("RYH6D-UJGC", CodeProblem.LENGTH), ("RYH6D-UJGCYA", CodeProblem.LENGTH),
    ("<script>", CodeProblem.CHARACTERS), ("RYH6Đ-UJGCY", CodeProblem.CHARACTERS),
])
def test_what_cannot_be_a_code_says_why(typed, problem):
    with pytest.raises(BadTrackingCode) as error:
        tracking_codes.normalise(typed)
    assert error.value.problem is problem


def test_the_look_alikes_are_exactly_what_the_alphabet_leaves_out():
    left_out = set(string.ascii_uppercase + string.digits) - set(tracking_codes.ALPHABET)
    assert left_out == set(tracking_codes.LOOKALIKES)


def test_new_codes_read_back_unchanged():
    for _ in range(200):
        code = tracking_codes.new_code()
        assert tracking_codes.normalise(code) == code
        assert tracking_codes.normalise(code.replace("-", " ").lower()) == code


def test_the_engine_finds_a_case_by_its_code_typed_any_way(factory, create_case):
    case_id = create_case()
    with transaction(factory) as session:
        code = cases.get_case(session, case_id).code
    for typed in (code, code.replace("-", ""), code.lower().replace("-", " "), f"  {code[:3]} {code[3:]}  "):
        with transaction(factory) as session:
            assert cases.get_case_by_code(session, typed).code == code


def test_the_staff_code_search_takes_a_whole_code_typed_any_way_and_keeps_fragments():
    from engine.case_filters import code_fragment

    assert code_fragment("ryh6d ujgcy") == code_fragment("RYH6DUJGCY") == "RYH6D-UJGCY"
    assert code_fragment(" ryh6 ") == "RYH6" and code_fragment("6D-UJ") == "6D-UJ"
