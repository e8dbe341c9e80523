"""What the studio's page tests share: a draft to work on, reading it back, deploying as an owner does, uploading."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from engine import studio, versions
from engine.db import transaction
from engine.models import AuditEntry

PROCESS = versions.DEFAULT_PROCESS_ID
MAIN_FILE = "rapid_response.bpmn"
ORIGINAL = (versions.PROCESSES_DIR / MAIN_FILE).read_text(encoding="utf-8")
LEVEL_1_CELL = '<outputEntry id="deadline_level_1_sla"><text>24</text>'
SCREENING_4H, SCREENING_3H = "screening_hours = 4", "screening_hours = 3"  # a script edit in *Record receipt*


def active_id(factory) -> int:
    with transaction(factory) as session:
        return versions.active_version(session).id


def draft_bundle(factory, draft: int) -> dict:
    with transaction(factory) as session:
        return studio.get_draft(session, draft).bundle


def saved_diagrams(factory) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).where(AuditEntry.kind == "draft_diagram_saved"))


def classify_level_1(drive, case_id: int):
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    case = drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    return case.deadline_at - case.received_at


def confirmation(client, draft: int, note: str = ""):
    """The deploy confirmation page (what the Deploy button opens) and the content hash its final button sends."""
    page = client.get(f"/studio/drafts/{draft}/deploy", query_string={"note": note})
    assert page.status_code == 200
    found = re.search(r'name="confirm" value="([0-9a-f]{64})"', page.get_data(as_text=True))
    return page, found.group(1)


def deploy(client, draft: int, note: str = ""):
    """Deploy as a process owner does: open the confirmation, then press "Deploy version N"."""
    _page, confirm = confirmation(client, draft, note)
    return client.post(f"/studio/drafts/{draft}/deploy", data={"note": note, "confirm": confirm})


def upload(client, draft: int, content: bytes, filename: str = "upload.bpmn", target: str = MAIN_FILE):
    """POST the file as a browser would (the body built here: the test client would spool big ones to a temp
    file it never closes)."""
    boundary = "studio-test-boundary-7MA4YWxkTrZu0gW"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="target"\r\n\r\n{target}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return client.post(f"/studio/drafts/{draft}/upload", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")
