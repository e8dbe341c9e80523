"""Units are data: the official commune-level units of the city, managed by administrators, never deleted."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from engine import units
from engine.db import transaction
from engine.errors import Conflict, NotFound, ValidationError
from engine.models import AuditEntry, Case, Unit, User
from tests.casedriver import CaseDriver


def test_the_official_list_of_ho_chi_minh_city_has_168_commune_level_units():
    found = units.official_units(79)
    assert len(found) == 168
    assert Counter(u.division for u in found) == {"ward": 113, "commune": 54, "special_zone": 1}
    assert len({u.code for u in found}) == 168 and len({u.official_code for u in found}) == 168
    by_code = {u.code: u for u in found}
    assert by_code["ward-ben-thanh"].name == "Phường Bến Thành"
    assert by_code["zone-con-dao"].name == "Đặc khu Côn Đảo"
    assert all("  " not in u.name and u.name == u.name.strip() for u in found)  # 'Phường  Rạch Dừa' normalized
    assert by_code["ward-rach-dua"].name == "Phường Rạch Dừa"
    # two communes share the codename thanh_an (Thanh An, Thạnh An): both keep a distinct, stable code
    assert {by_code[c].name for c in by_code if c.startswith("commune-thanh-an-")} == {"Xã Thanh An", "Xã Thạnh An"}


def test_an_unknown_province_is_a_clear_error():
    with pytest.raises(ValidationError):
        units.official_units(999)


def test_import_loads_every_unit_once_and_a_second_run_changes_nothing(factory):
    with transaction(factory) as session:
        first = units.import_wards(session, 79, actor="admin")
    # the demo's three wards were already there: they get their official codes instead of duplicates
    assert (first.added, first.renamed) == (165, 0) and first.unchanged == 3
    with transaction(factory) as session:
        second = units.import_wards(session, 79, actor="admin")
        assert (second.added, second.renamed, second.unchanged) == (0, 0, 168)
        wards = session.scalars(select(Unit).where(Unit.kind == "ward")).all()
        assert len(wards) == 168
        assert session.get(Unit, "ward-sai-gon").official_code == "26740"


def test_import_restores_the_official_name_of_a_unit_found_by_its_official_code(factory):
    with transaction(factory) as session:
        units.import_wards(session, 79, actor="admin")
        session.get(Unit, "ward-tan-dinh").name = "Tan Dinh (old spelling)"
    with transaction(factory) as session:
        result = units.import_wards(session, 79, actor="admin")
        assert result.renamed == 1
        assert session.get(Unit, "ward-tan-dinh").name == "Phường Tân Định"


def test_search_ignores_accents_and_case(factory):
    with transaction(factory) as session:
        units.import_wards(session, 79, actor="admin")
        assert [u.name for u in units.local_units(session, "ben thanh")] == ["Phường Bến Thành"]
        assert [u.name for u in units.local_units(session, "BẾN THÀNH")] == ["Phường Bến Thành"]
        assert "Đặc khu Côn Đảo" in [u.name for u in units.local_units(session, "dac khu con dao")]
        assert len(units.local_units(session)) == 168
        assert all(u.kind == "ward" for u in units.local_units(session))  # agencies are not offered to citizens


def test_rename_contact_and_deactivation_are_audited(factory):
    with transaction(factory) as session:
        units.rename(session, "admin", "police", "  Công an   Thành phố Hồ Chí Minh ")
        units.update_contact(session, "admin", "police", "congan@example.org")
        units.set_active(session, "admin", "ward-tan-dinh", False)
    with transaction(factory) as session:
        assert session.get(Unit, "police").name == "Công an Thành phố Hồ Chí Minh"
        assert session.get(Unit, "police").email == "congan@example.org"
        assert not units.is_local_unit(session, "ward-tan-dinh")
        assert "ward-tan-dinh" not in [u.code for u in units.local_units(session)]
        kinds = [e.kind for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert kinds[-3:] == ["unit_renamed", "unit_updated", "unit_deactivated"]


@pytest.mark.parametrize("change", [
    lambda s: units.rename(s, "admin", "police", " "),
    lambda s: units.rename(s, "admin", "police", "x" * 201),
    lambda s: units.update_contact(s, "admin", "police", "not an address"),
    lambda s: units.merge(s, "admin", "ward-tan-dinh", "ward-tan-dinh"),
    lambda s: units.merge(s, "admin", "ward-tan-dinh", "police"),
])
def test_bad_changes_are_refused(factory, change):
    with transaction(factory) as session, pytest.raises(ValidationError):
        change(session)


def test_unknown_units_and_users_are_not_found(factory):
    with transaction(factory) as session:
        with pytest.raises(NotFound):
            units.rename(session, "admin", "ward-nowhere", "X")
        with pytest.raises(NotFound):
            units.add_member(session, "admin", "police", "nobody")


def test_a_member_is_added_to_a_unit(factory):
    with transaction(factory) as session:
        units.add_member(session, "admin", "ward-sai-gon", "tandinh")
        assert [u.username for u in units.members(session, "ward-sai-gon")] == ["tandinh"]


def test_merging_moves_open_cases_their_tasks_and_users_and_keeps_the_merged_unit(factory, clock):
    drive = CaseDriver(factory, clock)
    case_id = drive.report(ward="ward-tan-dinh")
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-tan-dinh"})
    assert drive.task(case_id, "start_handling").unit == "ward-tan-dinh"
    with transaction(factory) as session:
        units.merge(session, "admin", "ward-tan-dinh", "ward-sai-gon")
    with transaction(factory) as session:
        merged = session.get(Unit, "ward-tan-dinh")
        assert (merged.active, merged.merged_into) == (False, "ward-sai-gon")  # deactivated, never deleted
        case = session.get(Case, case_id)
        assert (case.ward, case.handling_unit) == ("ward-sai-gon", "ward-sai-gon")
        assert session.scalar(select(User.unit_code).where(User.username == "tandinh")) == "ward-sai-gon"
        assert session.scalar(select(func.count()).select_from(Unit).where(Unit.code == "ward-tan-dinh")) == 1
        entry = session.scalars(select(AuditEntry).where(AuditEntry.kind == "unit_merged")).one()
        assert entry.detail["cases"] == [case.code] and entry.detail["users"] == ["tandinh"]
    # the open task moved with the case: staff of the target unit can do it
    drive.do("tandinh", case_id, "start_handling", {"handling_plan": "Kiểm tra cơ sở"}, unit="ward-sai-gon")
    assert drive.case(case_id).handling_unit == "ward-sai-gon"


def test_an_agency_merged_into_another_moves_with_the_level_3_cases_that_invited_it(factory, clock):
    drive = CaseDriver(factory, clock)
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 3, "handling_unit": "inspectorate",
                                             "agencies": ["police", "market-mgmt"]})
    with transaction(factory) as session:
        units.merge(session, "admin", "market-mgmt", "labour")
    case = drive.case(case_id)
    assert case.agencies == ["police", "labour"]


def test_a_merged_unit_cannot_be_activated_again_nor_receive_a_merge(factory):
    with transaction(factory) as session:
        units.merge(session, "admin", "ward-tan-dinh", "ward-sai-gon")
    with transaction(factory) as session:
        with pytest.raises(Conflict):
            units.set_active(session, "admin", "ward-tan-dinh", True)
        with pytest.raises(Conflict):
            units.merge(session, "admin", "ward-ben-thanh", "ward-tan-dinh")
        with pytest.raises(Conflict, match="already merged into ward-sai-gon"):  # nor be merged a second time
            units.merge(session, "admin", "ward-tan-dinh", "ward-ben-thanh")
        assert units.get_unit(session, "ward-tan-dinh").merged_into == "ward-sai-gon"
