"""Citizen reports at the engine level (engine.citizen): duplicates, idempotency, confidentiality of the public view."""
from __future__ import annotations

import pytest

from engine import citizen
from engine.attachments import AttachmentStore
from engine.db import transaction
from engine.errors import NotFound, ValidationError

REPORT = {"category": "unlicensed_pharmacy", "description": "Bán thuốc kê đơn không cần đơn thuốc.",
          "facility_name": "Nhà thuốc Minh Tâm", "address": "120 Hai Bà Trưng", "ward": "ward-tan-dinh"}


def test_same_key_twice_is_one_case(factory, clock, tmp_path):
    store = AttachmentStore(tmp_path)
    with transaction(factory) as session:
        first = citizen.submit(session, store, REPORT, key="web:abc")
    with transaction(factory) as session:
        again = citizen.submit(session, store, REPORT, key="web:abc")
    assert (first.created, again.created) == (True, False)
    assert first.case.code == again.case.code


def test_all_problems_are_reported_together(factory, clock, tmp_path):
    with pytest.raises(ValidationError) as error, transaction(factory) as session:
        citizen.submit(session, AttachmentStore(tmp_path), {**REPORT, "description": "x", "ward": "nowhere"},
                       reporter={"phone": "abc", "email": "no"})
    assert {"description", "ward", "phone", "email"} <= set(error.value.errors)


def test_the_public_view_has_no_contact_and_unknown_codes_are_not_found(factory, clock, tmp_path):
    with transaction(factory) as session:
        done = citizen.submit(session, AttachmentStore(tmp_path), REPORT,
                              reporter={"name": "Lê C", "phone": "0909000111", "email": "c@example.org"})
        view = citizen.public_view(session, done.case.code.lower())
    assert "Lê C" not in repr(view) and "0909000111" not in repr(view) and "c@example.org" not in repr(view)
    assert [step["step"] for step in view["timeline"]] == ["received"]
    with pytest.raises(NotFound), transaction(factory) as session:
        citizen.public_view(session, "AAAAA-AAAAA")
