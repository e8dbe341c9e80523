"""One glossary (engine/glossary.json): every category, status, outcome, level, role, unit kind, division, channel
and process the code knows has its Vietnamese and its English name there, and nobody keeps a second list."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine import glossary, mail
from engine.functions import CLOSE_OUTCOMES
from engine.models import CaseStatus, Division, Role, UnitKind
from engine.timers import CANCELLED
from forms import load_form

ROOT = Path(__file__).resolve().parents[2]
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]", re.IGNORECASE)


def report_categories() -> list[str]:
    return [option["const"] for option in load_form("report")["properties"]["category"]["oneOf"]]


def process_ids() -> list[str]:
    found = []
    for bpmn in (ROOT / "processes" / "bpmn").glob("*.bpmn"):
        found += re.findall(r'<bpmn:process id="([^"]+)"[^>]*isExecutable="true"', bpmn.read_text(encoding="utf-8"))
    return found


CODES_IN_THE_CODE = {
    "categories": report_categories,
    "statuses": lambda: [s.value for s in CaseStatus],
    "outcomes": lambda: [*CLOSE_OUTCOMES, CANCELLED],
    "levels": lambda: ["1", "2", "3"],
    "roles": lambda: [r.value for r in Role],
    "unit_kinds": lambda: [k.value for k in UnitKind],
    "divisions": lambda: [d.value for d in Division],
    "channels": lambda: ["web", "open311"],
    "processes": process_ids,
}


@pytest.mark.parametrize("kind", sorted(CODES_IN_THE_CODE))
def test_every_code_the_system_uses_has_a_vietnamese_and_an_english_name(kind):
    entries = glossary.glossary()[kind]
    wanted = CODES_IN_THE_CODE[kind]()
    assert wanted, kind
    missing = [code for code in wanted if code not in entries]
    assert not missing, f"{kind}: no glossary entry for {missing}"
    for code in wanted:
        vi, en = entries[code]["vi"], entries[code]["en"]
        assert vi.strip() and en.strip(), (kind, code)
        assert not VIETNAMESE.search(en), f"{kind}.{code}: the English name has Vietnamese letters: {en!r}"
        if kind != "divisions" or code != "special_zone":
            assert vi != en or vi.isdigit(), (kind, code)


def test_the_glossary_has_no_unknown_kinds_and_no_stray_codes():
    assert set(glossary.kinds()) == set(CODES_IN_THE_CODE)
    for kind, entries in glossary.glossary().items():
        stray = set(entries) - {str(c) for c in CODES_IN_THE_CODE[kind]()}
        assert not stray, f"{kind}: entries for codes the system does not use: {stray}"


def test_citizens_and_staff_read_the_same_category_names():
    """The names the citizen form shows come from the glossary, not from titles of their own."""
    category = load_form("report")["properties"]["category"]
    assert category["x-glossary"] == "categories"
    assert all(set(option) == {"const"} for option in category["oneOf"])
    assert glossary.term("categories", "service_prices", "vi") == "Giá dịch vụ y tế"
    assert glossary.term("categories", "staff_conduct", "vi").startswith("Thái độ, ứng xử")


def test_no_second_list_of_names_is_kept_in_the_code():
    """The staff label tables are views of the glossary, not dictionaries of their own."""
    labels = (ROOT / "webui" / "labels.py").read_text(encoding="utf-8")
    for code in ("cosmetic_surgery", "not_accepted", "handling_unit", "inspectorate", "special_zone"):
        assert f'"{code}"' not in labels, code
    for path in [*(ROOT / "engine").glob("*.py"), *(ROOT / "webui").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "Giá dịch vụ" not in text and "Cosmetic surgery" not in text, path


def test_an_unknown_code_is_shown_as_it_is():
    assert glossary.term("categories", "something_new", "en") == "something_new"
    assert glossary.term("statuses", None, "vi") == ""


@pytest.mark.parametrize(("text", "vi", "en"), [
    ("Sàng lọc / Screen", "Sàng lọc", "Screen"),
    ("Sàng lọc / Screen (Phường Bến Thành)", "Sàng lọc (Phường Bến Thành)", "Screen (Phường Bến Thành)"),
    ("Sàng lọc / Screen; Xác minh / Verify", "Sàng lọc; Xác minh", "Screen; Verify"),
    ("Phường/xã", "Phường/xã", "Phường/xã"),
])
def test_a_bilingual_name_shows_one_side(text, vi, en):
    assert (glossary.split_name(text, "vi"), glossary.split_name(text, "en")) == (vi, en)


def test_mails_name_the_category_and_the_task_from_the_glossary():
    facts = {"kind": "assignment", "code": "ABCDE-FGHIJ", "facility": "X", "level": 2, "category": "service_prices",
             "task": "Sàng lọc / Screen", "due": None, "seconds_left": 0, "has_task": True, "link": "http://x/"}
    _, vi_body = mail.render(mail.localized("staff/notification", "vi"), **facts)
    _, en_body = mail.render(mail.localized("staff/notification", "en"), **facts)
    assert "Lĩnh vực: Giá dịch vụ y tế" in vi_body and "Công việc: Sàng lọc\n" in vi_body
    assert "Category: Medical service prices" in en_body and "Task: Screen\n" in en_body
    assert "Screen" not in vi_body and "Sàng lọc" not in en_body and "Giá dịch vụ" not in en_body


def test_the_glossary_file_is_valid_json_with_two_languages_per_entry():
    data = json.loads(glossary.GLOSSARY_FILE.read_text(encoding="utf-8"))
    for kind, entries in data.items():
        if kind.startswith("_"):
            continue
        for code, names in entries.items():
            assert set(names) == set(glossary.LANGUAGES), (kind, code)
