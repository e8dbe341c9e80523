"""Duplicate hints respect the house number and the facility: only the same place is linked, and screening the
case as not a duplicate removes the link."""
from __future__ import annotations

import pytest

from engine import duplicates
from engine.db import transaction
from engine.models import Case

NGOC_LAN = {"facility_name": "Thẩm mỹ viện Ngọc Lan", "address": "12 Lê Thánh Tôn"}


@pytest.mark.parametrize(("other", "same"), [
    ({"facility_name": "Ngọc Trai", "address": "45 Lê Thánh Tôn"}, False),  # the false match
    ({"facility_name": "Thẩm mỹ viện Ngọc Trai", "address": "45 Lê Thánh Tôn"}, False),
    ({"facility_name": "Thẩm mỹ viện Ngọc Lan", "address": "45 Lê Thánh Tôn"}, False),  # a branch elsewhere
    ({"facility_name": "TMV Ngoc Lan", "address": "số 12 đường Le Thanh Ton, P. Bến Thành"}, True),
    ({"facility_name": "Spa Ngọc Lan", "address": "Lê Thánh Tôn, gần chợ"}, True),  # no house number: the name
    ({"facility_name": "", "address": "12 Lê Thánh Tôn"}, True),  # same house, same street
    ({"facility_name": "Ngọc Trai", "address": "12 Lê Thánh Tôn"}, True),  # same house: the same place
    ({"facility_name": "Ngọc Lam", "address": ""}, False),  # one letter is another name
    ({"facility_name": "Ngọc Trai", "address": "12 Hai Bà Trưng"}, False),
    ({"facility_name": "", "address": ""}, False),
])
def test_the_same_place_is_the_same_facility_or_the_same_house(other, same):
    assert duplicates.same_place(NGOC_LAN, other) is same
    assert duplicates.same_place(other, NGOC_LAN) is same


@pytest.mark.parametrize(("address", "expected"), [
    ("12 Lê Thánh Tôn", ("12", "le thanh ton")), ("Số 12A đường Lê Thánh Tôn", ("12a", "le thanh ton")),
    ("tầng 2, 12/3 Lê Thánh Tôn, Phường Bến Thành", ("12/3", "le thanh ton")), ("Lê Thánh Tôn", None),
])
def test_house_number_and_street_are_read_from_an_address(address, expected):
    assert duplicates.house_and_street(address) == expected


def test_facility_names_without_their_kind_of_place():
    assert duplicates.facility_core("Thẩm mỹ viện Ngọc Lan") == duplicates.facility_core("TMV NGỌC LAN") == "ngoc lan"
    assert duplicates.facility_core("Nhà thuốc Minh Tâm") == "minh tam"


def report(drive, **place) -> int:
    return drive.report(category="cosmetic_surgery", ward="ward-ben-thanh", **place)


def link_of(drive, case_id: int) -> str | None:
    with transaction(drive.factory) as session:
        case = session.get(Case, case_id)
        match = duplicates.strong_match(session, case)
        return match.code if match else None


def test_only_an_open_case_about_the_same_place_is_a_match(drive):
    first = report(drive, **NGOC_LAN)
    other_house = report(drive, facility_name="Ngọc Trai", address="45 Lê Thánh Tôn")
    same = report(drive, facility_name="TMV Ngọc Lan", address="12 Le Thanh Ton")
    other_ward = drive.report(category="cosmetic_surgery", ward="ward-tan-dinh", **NGOC_LAN)
    assert link_of(drive, other_house) is None and link_of(drive, other_ward) is None
    assert link_of(drive, same) == drive.case(first).code


@pytest.mark.parametrize(("outcome", "kept"), [("in_scope", False), ("out_of_scope", False), ("duplicate", True)])
def test_screening_decides_whether_the_link_stays(drive, outcome, kept):
    first = report(drive, **NGOC_LAN)
    second = report(drive, **NGOC_LAN)
    code = drive.case(first).code
    with transaction(drive.factory) as session:
        session.get(Case, second).duplicate_of = code
    data = {"screening_outcome": outcome, "in_scope": {}, "out_of_scope": {"screening_reason": "Không thuộc"},
            "duplicate": {"duplicate_of": code}}[outcome]
    drive.do("intake", second, "screen", {"screening_outcome": outcome, **data})
    assert drive.case(second).duplicate_of == (code if kept else None)
