"""Fast bulk loading of case and inbox rows with SQLAlchemy Core inserts (no workflow is run).

The inbox never deserializes a workflow and the timer sweep reads `workflow_json` only of due cases, so
bulk-loaded rows carry a short placeholder instead of a real workflow document.
"""
from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from engine import search_text
from engine.models import Case, CaseEvent, InboxItem
from engine.models_search import CaseSearchText

from .databases import BENCH_WARDS, Backend

PLACEHOLDER_WORKFLOW = '{"bench": "placeholder: bulk-loaded row, never loaded by the engine"}'
CHUNK = 5_000
CATEGORIES = ["cosmetic_surgery", "cosmetic_advertising", "unlicensed_clinic", "unlicensed_pharmacy",
              "service_prices", "practising_certificate", "staff_conduct", "other"]
AGENCIES = ["police", "market-mgmt", "labour"]
SLA_HOURS = {1: 24, 2: 48, 3: 72}

# Facility names and streets of the bulk reports: 100 × 25 combinations, so one facility name is in about 1% of the
# cases (a search for it finds ~1,000 of 100,000). Chosen from the case id, so the random sequence is unchanged.
FACILITY_KINDS = ["Thẩm mỹ viện", "Spa", "Nha khoa", "Phòng khám", "Nhà thuốc"]
FACILITY_NAMES = ["Ngọc Lan", "Hoa Hồng", "Ánh Dương", "Bình Minh", "Đức Tâm", "Thiên Phúc", "Mỹ Lệ", "Hạnh Phúc",
                  "Sài Gòn", "Phương Nam", "Kim Ngân", "Thảo Nguyên", "Hồng Đức", "An Khang", "Minh Châu", "Tâm An",
                  "Việt Mỹ", "Bảo Ngọc", "Quỳnh Như", "Gia Hân"]
STREETS = ["Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Điện Biên Phủ", "Trần Hưng Đạo", "Lý Tự Trọng", "Pasteur",
           "Nguyễn Trãi", "Cách Mạng Tháng Tám", "Võ Văn Tần", "Phạm Ngọc Thạch", "Nam Kỳ Khởi Nghĩa",
           "Đinh Tiên Hoàng", "Hoàng Văn Thụ", "Phan Xích Long", "Lê Văn Sỹ", "Nguyễn Đình Chiểu",
           "Bà Huyện Thanh Quan", "Trương Định", "Cống Quỳnh", "Nguyễn Thị Minh Khai", "Võ Thị Sáu", "Lý Chính Thắng",
           "Trần Quốc Thảo", "Bùi Viện"]
DESCRIPTIONS = ["Tiêm filler không phép, nhiều khách ra vào buổi tối.", "Quảng cáo dịch vụ sai sự thật trên mạng.",
                "Hoạt động khi đang bị đình chỉ.", "Bán thuốc kê đơn không cần đơn thuốc.",
                "Niêm yết giá dịch vụ không đúng."]

# What an open case is waiting for: (weight, stage). Tasks per stage are in `_open_tasks`.
OPEN_STAGES = [(12, "screen"), (5, "classify"), (40, "handling"), (6, "coordination"), (10, "verify"),
               (20, "feedback"), (4, "overdue"), (3, "dispute")]


def bench_code(number: int) -> str:
    digits = f"{number:010d}"
    return f"{digits[:5]}-{digits[5:]}"


def next_case_id(backend: Backend) -> int:
    with backend.engine.connect() as conn:
        return (conn.scalar(select(func.max(Case.id))) or 0) + 1


def insert_rows(backend: Backend, table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert in chunks of CHUNK rows, one transaction per chunk. Returns the number of rows."""
    count = 0
    with backend.engine.connect() as conn:
        for chunk in _chunks(rows, CHUNK):
            conn.execute(insert(table), chunk)
            conn.commit()
            count += len(chunk)
    return count


def fix_sequence(backend: Backend) -> None:
    """Cases were inserted with explicit ids: move PostgreSQL's id sequence past them."""
    if backend.is_postgres:
        with backend.engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), "
                              "(SELECT COALESCE(MAX(id), 1) FROM cases))"))


def load_inbox_dataset(backend: Backend, total: int, open_count: int, now: datetime, seed: int = 7) -> dict[str, int]:
    """`total` cases of which `open_count` are open, each open case with its inbox rows (READY tasks)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data, not a secret
    first_id = next_case_id(backend)
    open_ids = set(rng.sample(range(first_id, first_id + total), open_count))
    cases: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for case_id in range(first_id, first_id + total):
        if case_id in open_ids:
            case, tasks = _open_case(rng, backend.version_id, case_id, now)
            cases.append(case)
            items.extend(tasks)
        else:
            cases.append(_closed_case(rng, backend.version_id, case_id, now))
    loaded = insert_rows(backend, Case.__table__, cases)
    insert_rows(backend, CaseSearchText.__table__,
                ({"case_id": c["id"], "body": search_text.body(c["code"], c["report"])} for c in cases))
    fix_sequence(backend)
    loaded_items = insert_rows(backend, InboxItem.__table__, items)
    loaded_events = insert_rows(backend, CaseEvent.__table__, (event for c in cases if c["closed_at"] is not None
                                                               for event in closed_case_events(c)))
    return {"cases": loaded, "open_cases": open_count, "inbox_items": loaded_items, "case_events": loaded_events}


def closed_case_events(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The step log of a closed bulk case, as the engine writes it: `task_completed` with `opened_at` (screen,
    classify, start handling, enter result, verify; one result in six rejected and entered again) and
    `timer_fired` with the element id (screening reminder/escalation when screening took over 2/4 h, the
    deadline escalation when the result came late). Its own random sequence (seeded by the case id), so the
    cases' data does not change."""
    rng = random.Random(case["id"])  # noqa: S311 - reproducible benchmark data
    events: list[dict[str, Any]] = []
    at = case["received_at"]

    def task(name: str, hours: float, data: dict[str, Any] | None = None) -> None:
        nonlocal at
        opened, at = at, at + timedelta(hours=hours)
        events.append({"case_id": case["id"], "at": at, "actor": "bench", "kind": "task_completed",
                       "task_name": name, "from_status": None, "to_status": None, "element": name,
                       "wait_seconds": (at - opened).total_seconds(),
                       "detail": {"opened_at": opened.isoformat(), "data": data or {}}})

    def timer(element: str, after: timedelta) -> None:
        events.append({"case_id": case["id"], "at": case["received_at"] + after, "actor": "timer",
                       "kind": "timer_fired", "task_name": element.replace("_", " "), "from_status": None,
                       "to_status": None, "element": element, "wait_seconds": None, "detail": {"element": element}})

    screening = rng.lognormvariate(0, 1)
    task("screen", screening, {"screening_outcome": "in_scope" if case["level"] else "out_of_scope"})
    for hours, element in ((2, "screening_reminder_timer"), (4, "screening_escalation_timer")):
        if screening > hours:
            timer(element, timedelta(hours=hours))
    if not case["level"]:
        return events
    task("classify", rng.uniform(0.1, 3), {"level": case["level"]})
    task("start_handling", rng.uniform(0.5, 12))
    task("enter_result", rng.uniform(2, SLA_HOURS[case["level"]] * 0.9))
    if at > case["deadline_at"]:
        timer("escalation_timer", case["deadline_at"] - case["received_at"])
    if rng.random() < 1 / 6:
        task("verify_result", rng.uniform(0.5, 8), {"verification": "reject"})
        task("enter_result", rng.uniform(1, 24))
    task("verify_result", rng.uniform(0.5, 8), {"verification": "accept"})
    return events


def _base_case(rng: random.Random, version_id: int, case_id: int, received: datetime) -> dict[str, Any]:
    ward = rng.choice(BENCH_WARDS)
    return {"id": case_id, "code": bench_code(case_id), "process_version_id": version_id,
            "category": rng.choice(CATEGORIES), "ward": ward,
            "report": _report(case_id, ward),
            "reporter": None, "received_at": received, "workflow_json": PLACEHOLDER_WORKFLOW,
            "serializer_version": "bench", "row_version": 1, "status": "received", "level": None,
            "handling_unit": None, "agencies": None, "overdue": False, "outcome": None, "deadline_at": None,
            "published_at": None, "closed_at": None, "next_timer_at": None, "timer_failures": 0,
            "incident": False, "source": "web"}


def _report(case_id: int, ward: str) -> dict[str, Any]:
    spread = case_id * 7919  # a prime: neighbouring ids get unrelated names
    kind = FACILITY_KINDS[spread % len(FACILITY_KINDS)]
    name = FACILITY_NAMES[(spread // len(FACILITY_KINDS)) % len(FACILITY_NAMES)]
    street = STREETS[(spread // 100) % len(STREETS)]
    return {"category": "other", "facility_name": f"{kind} {name}", "address": f"{case_id % 300 + 1} {street}",
            "description": DESCRIPTIONS[case_id % len(DESCRIPTIONS)], "ward": ward}


def _closed_case(rng: random.Random, version_id: int, case_id: int, now: datetime) -> dict[str, Any]:
    received = now - timedelta(days=rng.uniform(10, 720))
    case = _base_case(rng, version_id, case_id, received)
    if rng.random() < 0.1:
        case.update(status="not_accepted", outcome=rng.choice(["out_of_scope", "duplicate"]),
                    closed_at=received + timedelta(hours=2))
        return case
    level = rng.choice([1, 1, 1, 2, 2, 3])
    case.update(status="closed", outcome=rng.choice(["resolved", "auto_closed", "dispute_upheld"]), level=level,
                handling_unit=case["ward"] if level == 1 else "inspectorate",
                deadline_at=received + timedelta(hours=SLA_HOURS[level]),
                published_at=received + timedelta(hours=20), closed_at=received + timedelta(days=3))
    return case


def _open_case(rng: random.Random, version_id: int, case_id: int,
               now: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    stage = rng.choices([s for _, s in OPEN_STAGES], weights=[w for w, _ in OPEN_STAGES])[0]
    received = now - timedelta(hours=rng.uniform(0, 70))
    case = _base_case(rng, version_id, case_id, received)
    case["next_timer_at"] = now + timedelta(hours=rng.uniform(1, 72))  # never due while the benchmark runs
    if stage in ("screen", "classify"):
        return case, [_item(case_id, stage, "intake", None, None, received, rng)]
    level = 3 if stage == "coordination" else rng.choice([1, 1, 1, 2, 2, 3])
    unit = case["ward"] if level == 1 else "inspectorate"
    deadline = received + timedelta(hours=SLA_HOURS[level])
    case.update(status="in_handling", level=level, handling_unit=unit, deadline_at=deadline)
    if level == 3:
        case["agencies"] = rng.sample(AGENCIES, 2)
    handling = rng.choice(["start_handling", "enter_result"])
    match stage:
        case "handling":
            tasks = [_item(case_id, handling, "handling_unit", unit, deadline, received, rng)]
        case "coordination":
            tasks = [_item(case_id, rng.choice(["acknowledge_request", "contribute_findings"]), "coordinator",
                           agency, received + timedelta(hours=4), received, rng) for agency in case["agencies"]]
        case "verify":
            tasks = [_item(case_id, "verify_result", "inspector", None, deadline, received, rng)]
        case "overdue":
            case["overdue"] = True
            tasks = [_item(case_id, handling, "handling_unit", unit, deadline, received, rng),
                     _item(case_id, "review_overdue", "leadership", None, None, received, rng)]
        case "dispute":
            case["status"] = "disputed"
            tasks = [_item(case_id, "review_dispute", "inspector", None, now + timedelta(hours=30), received, rng)]
        case _:  # feedback
            case.update(status="result_published", published_at=received + timedelta(hours=20))
            tasks = [_item(case_id, "citizen_feedback", "citizen", None, None, received, rng)]
    return case, tasks


def _item(case_id: int, name: str, role: str, unit: str | None, due: datetime | None, created: datetime,
          rng: random.Random) -> dict[str, Any]:
    return {"case_id": case_id, "task_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "task_name": name,
            "title": name.replace("_", " ").capitalize(), "role": role, "unit": unit, "form": f"{name}.json",
            "due_at": due, "claimed_by": f"user-{rng.randint(1, 40)}" if rng.random() < 0.1 else None,
            "created_at": created}


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
