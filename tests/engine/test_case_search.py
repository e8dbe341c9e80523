"""Staff case search and export: words of the code, facility, address and description find a case whatever its
accents and case; the period, unit and other filters narrow it; every role searches and exports only its own
cases; an export shows the reporter's contact only to intake and inspectors, is bounded and is audited.
On SQLite and PostgreSQL, clock injected."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import case_export, caselist, search_text, settings
from engine.caselist import CaseFilter
from engine.db import transaction
from engine.errors import ValidationError
from engine.models import AuditEntry, Case
from engine.models_search import CaseSearchText
from tests.conftest import START

NGOC_LAN = {"facility_name": "Thẩm mỹ viện Ngọc Lan", "address": "45 Đường Điện Biên Phủ",
            "description": "Tiêm filler không phép cho khách vào buổi tối."}
NHA_KHOA = {"facility_name": "Nha khoa Ánh Dương", "address": "8 Nguyễn Trãi",
            "description": "Quảng cáo niềng răng sai sự thật trên mạng xã hội."}


def found(drive, username: str, wanted: CaseFilter) -> set[int]:
    with transaction(drive.factory) as session:
        return {row.id for row in caselist.list_cases(session, drive.actor(username), wanted, page_size=500).rows}


@pytest.fixture
def spread(create_case, clock):
    return {
        "ngoc_lan": create_case(1, received_at=START - timedelta(days=10), **NGOC_LAN),
        "nha_khoa": create_case(2, received_at=START - timedelta(days=2), category="cosmetic_advertising",
                                **NHA_KHOA),
        "tan_dinh": create_case(1, ward="ward-tan-dinh", facility_name="Spa Ngọc Lan Anh",
                                address="3 Hai Bà Trưng", description="Tiêm botox tại nhà."),
        "anonymous": create_case(reporter={}, facility_name="Tiệm thuốc Đức Tâm", address="1 Lý Tự Trọng",
                                 description="Bán thuốc kê đơn không cần đơn."),
    }


def test_the_text_is_folded_without_accents_or_case():
    assert search_text.words("  Thẩm MỸ viện NGỌC-Lan, ĐƯỜNG số 1 ") == \
        ["tham", "my", "vien", "ngoc", "lan", "duong", "so", "1"]
    assert search_text.body("ABCDE-FGHJK", NGOC_LAN).startswith("abcde fghjk abcdefghjk tham my vien ngoc lan 45")


def test_words_without_accents_find_the_facility_address_and_description(drive, spread):
    assert found(drive, "intake", CaseFilter(text="ngoc lan")) == {spread["ngoc_lan"], spread["tan_dinh"]}
    assert found(drive, "intake", CaseFilter(text="THẨM MỸ ngọc lan")) == {spread["ngoc_lan"]}
    assert found(drive, "intake", CaseFilter(text="duong dien bien phu")) == {spread["ngoc_lan"]}
    assert found(drive, "intake", CaseFilter(text="duc tam")) == {spread["anonymous"]}  # "đ" is found by "d"
    assert found(drive, "intake", CaseFilter(text="Đức")) == {spread["anonymous"]}
    assert found(drive, "intake", CaseFilter(text="niềng rang")) == {spread["nha_khoa"]}
    assert found(drive, "intake", CaseFilter(text="ngoc lan nguyen trai")) == set()  # every word must occur
    assert found(drive, "intake", CaseFilter(text="% _")) == set(spread.values())  # no words: no text filter


def test_sqlite_searches_its_trigram_index_and_short_words_still_count(drive, spread, db_engine):
    from engine import models_search

    with transaction(drive.factory) as session:
        assert models_search.full_text_index(session) == (db_engine.dialect.name == "sqlite")
    assert found(drive, "intake", CaseFilter(text="45")) == {spread["ngoc_lan"]}  # shorter than a trigram
    assert found(drive, "intake", CaseFilter(text="45 ngoc")) == {spread["ngoc_lan"]}
    assert found(drive, "intake", CaseFilter(text="ngoc bà")) == {spread["tan_dinh"]}  # "3 Hai Bà Trưng"
    assert found(drive, "intake", CaseFilter(text='ngoc" OR "spa')) == set()  # quotes are not search syntax


@pytest.mark.parametrize("walk_from", [1, 10**9])  # pages found by walking the cases newest first, or sorted
def test_a_search_by_words_alone_pages_its_cases_newest_first_and_counts_them_all(drive, spread, monkeypatch,
                                                                                   walk_from):
    monkeypatch.setattr(caselist, "WALK_FROM", walk_from)
    with transaction(drive.factory) as session:
        newest_first = list(session.scalars(select(Case.id).order_by(Case.received_at.desc(), Case.id.desc())))
        pages = [caselist.list_cases(session, drive.actor("intake"), CaseFilter(text="tiêm"), page=page, page_size=1)
                 for page in (1, 2, 3)]
        nothing = caselist.list_cases(session, drive.actor("intake"), CaseFilter(text="khong co chu nay"))
    tiem = {spread["ngoc_lan"], spread["tan_dinh"], spread["anonymous"]}  # "Tiêm filler", "Tiêm botox", "Tiệm thuốc"
    assert [row.id for page in pages for row in page.rows] == [case for case in newest_first if case in tiem]
    assert [page.total for page in pages] == [3, 3, 3] and pages[1].has_next and not pages[2].has_next
    assert pages[0].rows[0].facility == "Tiệm thuốc Đức Tâm"  # received last (the clock's time)
    assert (nothing.total, nothing.rows) == (0, [])


def test_a_tracking_code_is_found_whole_in_halves_without_its_hyphen_or_in_part(drive, spread):
    code = drive.case(spread["nha_khoa"]).code
    for typed in (code, code.lower(), code.replace("-", ""), code[:5], f"{code[:5]} {code[6:]}"):
        assert found(drive, "intake", CaseFilter(text=typed)) == {spread["nha_khoa"]}, typed


def test_a_corrected_report_is_searched_by_its_new_words(drive, spread):
    with transaction(drive.factory) as session:
        case = session.get(Case, spread["nha_khoa"])
        case.report = {**case.report, "facility_name": "Nha khoa Bình Minh"}
    assert found(drive, "intake", CaseFilter(text="binh minh")) == {spread["nha_khoa"]}
    assert found(drive, "intake", CaseFilter(text="anh duong")) == set()


def test_every_case_has_its_search_text_and_loses_it_with_the_case(drive, spread):
    with transaction(drive.factory) as session:
        texts = dict(session.execute(select(CaseSearchText.case_id, CaseSearchText.body)).all())
        assert set(texts) == set(spread.values())
        assert "ngoc lan" in texts[spread["ngoc_lan"]]
        session.delete(session.get(Case, spread["anonymous"]))
        session.flush()
        assert session.get(CaseSearchText, spread["anonymous"]) is None


def test_the_received_period_the_unit_and_the_summary_filters_narrow_a_search(drive, spread):
    assert found(drive, "intake", CaseFilter(received_from=START - timedelta(days=3))) == \
        {spread["nha_khoa"], spread["tan_dinh"], spread["anonymous"]}
    assert found(drive, "intake", CaseFilter(received_from=START - timedelta(days=11),
                                             received_until=START - timedelta(days=2))) == {spread["ngoc_lan"]}
    # the start is included, the end is not
    ngoc_lan_received = drive.case(spread["ngoc_lan"]).received_at
    assert found(drive, "intake", CaseFilter(received_from=ngoc_lan_received,
                                             received_until=ngoc_lan_received + timedelta(seconds=1))) == \
        {spread["ngoc_lan"]}
    assert found(drive, "intake", CaseFilter(received_until=ngoc_lan_received)) == set()
    assert found(drive, "intake", CaseFilter(unit="inspectorate")) == {spread["nha_khoa"]}
    assert found(drive, "intake", CaseFilter(unit="ward-tan-dinh", text="ngoc")) == {spread["tan_dinh"]}
    assert found(drive, "intake", CaseFilter(text="ngoc lan", level=1, ward="ward-ben-thanh")) == \
        {spread["ngoc_lan"]}
    assert found(drive, "intake", CaseFilter(text="ngoc lan", overdue=True)) == {spread["ngoc_lan"]}  # 10 days old


def test_a_ward_searches_only_its_own_cases(drive, spread):
    assert found(drive, "ward", CaseFilter(text="ngoc lan")) == {spread["ngoc_lan"]}
    assert found(drive, "ward", CaseFilter(text="nha khoa")) == set()
    assert found(drive, "inspectorate", CaseFilter(text="ngoc lan")) == set()


@pytest.mark.parametrize(("wanted", "field"), [
    (CaseFilter(text="x" * 201), "q"),
    (CaseFilter(text="mot hai ba bon nam sau bay tam chin"), "q"),
    (CaseFilter(unit="u" * 41), "unit"),
    (CaseFilter(received_from=START, received_until=START), "received"),
])
def test_a_search_outside_its_bounds_is_refused_naming_the_field(drive, spread, wanted, field):
    with pytest.raises(ValidationError) as refused, transaction(drive.factory) as session:
        caselist.list_cases(session, drive.actor("intake"), wanted)
    assert field in refused.value.errors


def exported(drive, username: str, wanted: CaseFilter, fmt: str = "xlsx", **overrides) -> case_export.CaseExport:
    with transaction(drive.factory) as session:
        if overrides:
            session.info[settings._KEY] = replace(settings.of(session), **overrides)
        return case_export.export_cases(session, drive.actor(username), wanted, fmt)


def audit_entries(drive) -> list[AuditEntry]:
    with transaction(drive.factory) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.kind == case_export.EXPORTED)
                                    .order_by(AuditEntry.id)))


def test_intake_exports_the_whole_list_with_the_reporters_contact(drive, spread):
    export = exported(drive, "intake", CaseFilter(text="ngoc lan"))
    assert export.with_contact
    assert [r.code for r in export.rows] == [drive.case(spread["tan_dinh"]).code, drive.case(spread["ngoc_lan"]).code]
    ngoc_lan = export.rows[1]
    assert (ngoc_lan.facility, ngoc_lan.address, ngoc_lan.level, ngoc_lan.overdue) == \
        ("Thẩm mỹ viện Ngọc Lan", "45 Đường Điện Biên Phủ", 1, True)
    assert ngoc_lan.reporter_name == "Nguyễn A"
    [entry] = audit_entries(drive)
    assert (entry.actor, entry.detail) == ("intake", {"format": "xlsx", "filters": {"text": "ngoc lan"}, "rows": 2,
                                                      "contact": True})


def test_a_ward_exports_only_its_cases_and_never_the_reporters_contact(drive, spread):
    export = exported(drive, "ward", CaseFilter(), "csv")
    assert not export.with_contact
    assert [r.code for r in export.rows] == [drive.case(spread["ngoc_lan"]).code]
    assert export.rows[0].reporter_name is None
    assert audit_entries(drive)[0].detail["contact"] is False


def test_an_export_longer_than_the_bound_is_refused_whole_and_not_logged(drive, spread):
    with pytest.raises(case_export.ExportTooLarge) as refused:
        exported(drive, "intake", CaseFilter(), export_max_rows=3)
    assert (refused.value.total, refused.value.limit) == (4, 3)
    assert len(exported(drive, "intake", CaseFilter(level=1), export_max_rows=3).rows) == 2
    assert len(audit_entries(drive)) == 1


def test_an_unknown_export_format_is_refused(drive, spread):
    with pytest.raises(ValidationError):
        exported(drive, "intake", CaseFilter(), "pdf")


def test_the_migration_fills_the_search_text_of_cases_made_before_it(drive, spread, db_engine):
    from alembic.script import ScriptDirectory

    from engine import schema

    scripts = ScriptDirectory.from_config(schema.alembic_config(db_engine.url.render_as_string(hide_password=False)))
    [migration] = [s for s in scripts.walk_revisions() if s.path.endswith("_case_search.py")]
    schema.downgrade(db_engine, migration.down_revision)  # the table is gone, the cases stay
    schema.upgrade(db_engine)
    assert found(drive, "intake", CaseFilter(text="ngoc lan")) == {spread["ngoc_lan"], spread["tan_dinh"]}
    code = drive.case(spread["nha_khoa"]).code
    assert found(drive, "intake", CaseFilter(text=code.replace("-", ""))) == {spread["nha_khoa"]}
    assert schema.differences(db_engine) == []
