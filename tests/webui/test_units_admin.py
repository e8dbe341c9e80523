"""Administrators manage units on /admin/units: find, rename, contact e-mail, deactivate, merge, members."""
from __future__ import annotations

from sqlalchemy import select

from engine import units
from engine.db import transaction
from engine.models import AuditEntry, Unit, User
from tests.webui.conftest import text_of


def test_the_units_page_lists_wards_and_agencies_and_searches_without_accents(as_user, factory):
    with transaction(factory) as session:
        units.import_wards(session, 79, actor="admin")
    admin = as_user("admin")
    page = admin.get("/admin/units").get_data(as_text=True)
    assert '<p id="units-count">173 ' in page  # 168 commune-level units + the inspectorate, the team, 3 agencies
    found = admin.get("/admin/units?q=ben+thanh").get_data(as_text=True)
    assert "Phường Bến Thành" in found and "Phường Sài Gòn" not in found
    agencies = text_of(admin.get("/admin/units?kind=agency"))
    assert "Công an Thành phố" in agencies and "Phường Bến Thành" not in agencies


def test_an_administrator_renames_a_unit_and_sets_its_contact_e_mail(as_user, factory):
    admin = as_user("admin")
    response = admin.post("/admin/units/police", data={"name": "Công an TP. Hồ Chí Minh",
                                                       "email": "trucban@congan.example.org"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/units/police")
    with transaction(factory) as session:
        police = session.get(Unit, "police")
        assert (police.name, police.email) == ("Công an TP. Hồ Chí Minh", "trucban@congan.example.org")
        kinds = {e.kind for e in session.scalars(select(AuditEntry))}
        assert {"unit_renamed", "unit_updated"} <= kinds


def test_a_bad_e_mail_is_a_field_error_and_changes_nothing(as_user, factory):
    admin = as_user("admin")
    response = admin.post("/admin/units/police", data={"name": "Tên mới", "email": "không phải e-mail"})
    assert response.status_code == 422 and 'id="err-email"' in response.get_data(as_text=True)
    with transaction(factory) as session:
        assert session.get(Unit, "police").name == "Công an Thành phố"


def test_an_unknown_unit_is_not_found(as_user):
    assert as_user("admin").get("/admin/units/ward-nowhere").status_code == 404


def test_a_deactivated_unit_keeps_its_users_and_can_be_activated_again(as_user, factory):
    admin = as_user("admin")
    assert admin.post("/admin/units/ward-tan-dinh/deactivate").status_code == 302
    with transaction(factory) as session:
        assert not session.get(Unit, "ward-tan-dinh").active
        assert session.scalar(select(User.unit_code).where(User.username == "tandinh")) == "ward-tan-dinh"
    assert "ward-tan-dinh" not in admin.get("/report").get_data(as_text=True)
    assert admin.post("/admin/units/ward-tan-dinh/activate").status_code == 302
    with transaction(factory) as session:
        assert session.get(Unit, "ward-tan-dinh").active


def test_merging_from_the_page_moves_the_users_and_leaves_the_merged_unit_inactive(as_user, factory):
    admin = as_user("admin")
    page = admin.get("/admin/units/market-mgmt").get_data(as_text=True)
    assert 'value="labour"' in page and 'value="ward-sai-gon"' not in page  # only units of the same kind
    response = admin.post("/admin/units/market-mgmt/merge", data={"into": "labour"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/units/labour")
    with transaction(factory) as session:
        assert session.scalar(select(User.unit_code).where(User.username == "market")) == "labour"
        merged = session.get(Unit, "market-mgmt")
        assert (merged.active, merged.merged_into) == (False, "labour")
    assert admin.post("/admin/units/market-mgmt/activate").status_code == 409  # merged for good


def test_a_merge_into_a_unit_of_another_kind_is_refused(as_user, factory):
    response = as_user("admin").post("/admin/units/market-mgmt/merge", data={"into": "ward-sai-gon"})
    assert response.status_code == 422 and 'id="err-into"' in response.get_data(as_text=True)
    with transaction(factory) as session:
        assert session.get(Unit, "market-mgmt").active


def test_an_administrator_adds_a_member_and_sees_the_members(as_user, factory):
    admin = as_user("admin")
    assert admin.post("/admin/units/ward-sai-gon/members", data={"username": "tandinh"}).status_code == 302
    members = admin.get("/admin/units/ward-sai-gon").get_data(as_text=True)
    assert "Lý Văn Tân Định" in members
    assert admin.post("/admin/units/ward-sai-gon/members", data={"username": "nobody"}).status_code == 404


def test_an_administrator_adds_an_agency_and_bad_input_is_refused_field_by_field(as_user, factory):
    admin = as_user("admin")
    response = admin.post("/admin/units", data={"code": "fire-police", "name": "Cảnh sát PCCC", "kind": "agency",
                                                "email": "pccc@example.org"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/units/fire-police")
    with transaction(factory) as session:
        made = session.get(Unit, "fire-police")
        assert (made.name, made.kind, made.email, made.active) == ("Cảnh sát PCCC", "agency", "pccc@example.org", True)
    refused = admin.post("/admin/units", data={"code": "police", "name": " ", "kind": "ward"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert all(f'id="err-{name}"' in html for name in ("code", "name", "kind"))  # wards come from the official list
