"""The process studio's services: drafts (editing, or deployed and read-only), validation, the deploy preview,
deployment, activation (and roll back), version diffs and the live view of where cases wait. Every change is
audited."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lxml import etree
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from . import versions
from .bundle_files import form_problem
from .clock import now
from .decisions import is_dmn, table_diff
from .errors import Conflict, DraftDeployed, NotFound, ProcessError, ValidationError
from .events import audit
from .messages import t
from .models import Case, InboxItem, ProcessDraft, ProcessVersion
from .validation import BPMN, NS, SPIFF, Problem, validate_bundle

NEAR_DEADLINE = timedelta(hours=4)


@dataclass(frozen=True)
class VersionRow:
    version: ProcessVersion
    running: int


def processes(session: Session) -> list[dict[str, Any]]:
    """Each deployed process: its number of versions, the latest number, the active version and how many of its
    drafts are being edited (not deployed yet)."""
    rows = session.execute(select(ProcessVersion.process_id, func.count(), func.max(ProcessVersion.number))
                           .group_by(ProcessVersion.process_id).order_by(ProcessVersion.process_id))
    editing = dict(session.execute(select(ProcessDraft.process_id, func.count())
                                   .where(ProcessDraft.deployed_version_id.is_(None))
                                   .group_by(ProcessDraft.process_id)).all())
    out = []
    for process_id, count, latest in rows:
        active = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                                             ProcessVersion.active.is_(True)))
        out.append({"process_id": process_id, "versions": count, "latest": latest, "active": active,
                    "editing": editing.get(process_id, 0)})
    return out


@dataclass(frozen=True)
class DraftRow:
    """A draft and its state: being edited, or deployed as `deployed` (then read-only)."""

    draft: ProcessDraft
    deployed: ProcessVersion | None

    @property
    def editable(self) -> bool:
        return self.deployed is None


@dataclass(frozen=True)
class DeployPreview:
    """What deploying a draft would do, for the process owner to confirm: the draft's problems (deploy is
    impossible while there are any), the version number it becomes, the active version and how many cases run on
    it (they stay on it), and what changes compared with it."""

    draft: ProcessDraft
    problems: list[Problem]
    number: int
    identical: ProcessVersion | None  # an existing version with exactly this content (deploying re-activates it)
    active: ProcessVersion | None
    running: int
    based_on: ProcessVersion | None
    changes: dict[str, Any] | None  # `diff(active, draft)`; None without an active version
    content_hash: str

    @property
    def deployable(self) -> bool:
        return not self.problems

    @property
    def base_moved_on(self) -> bool:
        """The draft started from a version that is no longer the active one."""
        return self.based_on is not None and self.active is not None and self.based_on.id != self.active.id


def running_cases(session: Session, version_id: int) -> int:
    """Cases not closed yet on this version (they finish on it whatever is deployed later)."""
    return session.scalar(select(func.count()).select_from(Case).where(Case.process_version_id == version_id,
                                                                       Case.closed_at.is_(None))) or 0


def version_rows(session: Session, process_id: str) -> list[VersionRow]:
    running = dict(session.execute(select(Case.process_version_id, func.count()).where(Case.closed_at.is_(None))
                                   .group_by(Case.process_version_id)).all())
    found = session.scalars(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                            .order_by(ProcessVersion.number.desc())).all()
    if not found:
        raise NotFound(t("process_missing", process=process_id))
    return [VersionRow(v, running.get(v.id, 0)) for v in found]


def get_version(session: Session, version_id: int) -> ProcessVersion:
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(t("version_missing", version=version_id))
    return version


def get_draft(session: Session, draft_id: int) -> ProcessDraft:
    draft = session.get(ProcessDraft, draft_id)
    if draft is None:
        raise NotFound(t("draft_missing", draft=draft_id))
    return draft


def draft_state(session: Session, draft: ProcessDraft) -> DraftRow:
    deployed = session.get(ProcessVersion, draft.deployed_version_id) if draft.deployed_version_id else None
    return DraftRow(draft, deployed)


def draft_rows(session: Session, process_id: str) -> list[DraftRow]:
    """The process's drafts with their state, the most recently changed first."""
    rows = session.execute(select(ProcessDraft, ProcessVersion)
                           .outerjoin(ProcessVersion, ProcessVersion.id == ProcessDraft.deployed_version_id)
                           .where(ProcessDraft.process_id == process_id)
                           .order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc()))
    return [DraftRow(draft, deployed) for draft, deployed in rows]


def draft_hash(draft: ProcessDraft) -> str:
    """The content hash of the draft as it is now (what a deploy confirmation refers to)."""
    return versions.content_hash(draft.bundle)


def _ensure_editable(session: Session, draft: ProcessDraft) -> None:
    """Refuse to change a deployed draft. The row is read again under a lock (PostgreSQL), so a save and a
    deployment of the same draft never interleave."""
    session.refresh(draft, with_for_update=True)
    _refuse_if_deployed(session, draft)


def _refuse_if_deployed(session: Session, draft: ProcessDraft) -> None:
    if draft.deployed_version_id is not None:
        version = get_version(session, draft.deployed_version_id)
        raise DraftDeployed(t("draft_deployed", draft=draft.id, number=version.number), version.id, version.number)


def new_draft(session: Session, actor: str, version: ProcessVersion) -> ProcessDraft:
    """A draft that starts as a copy of a deployed version."""
    draft = ProcessDraft(process_id=version.process_id, bundle=copy.deepcopy(version.bundle), based_on_id=version.id,
                         updated_by=actor, updated_at=now())  # the page says what it is based on
    session.add(draft)
    session.flush()
    audit(session, actor, "draft_created", {"draft": draft.id, "based_on": version.number})
    return draft


def save_diagram(session: Session, actor: str, draft: ProcessDraft, filename: str, xml: str | bytes) -> list[Problem]:
    """Store a diagram file in the draft (only well-formed, safe XML is kept); returns the draft's problems."""
    _ensure_editable(session, draft)
    try:
        text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    except UnicodeDecodeError as exc:
        raise ProcessError(t("not_utf8", file=filename)) from exc
    versions.parse_xml(text, filename)  # refuses DOCTYPE/entities, huge and malformed files before storing
    name = filename if filename.endswith(".bpmn") else f"{filename}.bpmn"
    if "/" in name or "\\" in name or name.startswith("."):
        raise ValidationError(t("bad_file_name"), {"file": t("bad_file_name")})
    bundle = copy.deepcopy(draft.bundle)
    bundle["bpmn"] = {**bundle.get("bpmn", {}), name: text}
    draft.bundle = bundle
    draft.updated_by, draft.updated_at = actor, now()
    audit(session, actor, "draft_diagram_saved", {"draft": draft.id, "file": name, "bytes": len(text)})
    session.flush()
    return validate_bundle(bundle)


def save_table(session: Session, actor: str, draft: ProcessDraft, filename: str, xml: str | bytes) -> list[Problem]:
    """Store a decision table file (DMN, as the studio's table editor saves it) in the draft; only well-formed,
    safe XML of an existing or new `.dmn` file is kept. Returns the draft's problems."""
    _ensure_editable(session, draft)
    try:
        text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    except UnicodeDecodeError as exc:
        raise ProcessError(t("not_utf8", file=filename)) from exc
    if not filename.endswith(".dmn") or "/" in filename or "\\" in filename or filename.startswith("."):
        raise ValidationError(t("bad_dmn_name"), {"file": t("bad_dmn_name")})
    if not is_dmn(versions.parse_xml(text, filename)):  # refuses DOCTYPE/entities, huge and malformed files
        raise ProcessError(t("not_dmn", file=filename))
    bundle = copy.deepcopy(draft.bundle)
    bundle["dmn"] = {**(bundle.get("dmn") or {}), filename: text}
    draft.bundle = bundle
    draft.updated_by, draft.updated_at = actor, now()
    audit(session, actor, "draft_table_saved", {"draft": draft.id, "file": filename, "bytes": len(text)})
    session.flush()
    return validate_bundle(bundle)


def save_form(session: Session, actor: str, draft: ProcessDraft, name: str, schema: Any) -> None:
    """Store a task form (JSON Schema) in the draft; the schema itself must be valid JSON Schema (the checks of
    `bundle_files.form_problem`, which forms read from disk pass too)."""
    _ensure_editable(session, draft)

    if not isinstance(name, str) or not name.replace("_", "").isalnum() or len(name) > 80:
        raise ValidationError(t("bad_form_name"), {"name": t("bad_form_name")})
    problem = form_problem(schema)
    if problem is not None:
        message, detail = problem  # a schema error's detail is jsonschema's English: English pages only
        raise ValidationError(message, {"schema": detail})
    bundle = copy.deepcopy(draft.bundle)
    bundle["forms"] = {**bundle.get("forms", {}), name.removesuffix(".json"): schema}
    draft.bundle = bundle
    draft.updated_by, draft.updated_at = actor, now()
    audit(session, actor, "draft_form_saved", {"draft": draft.id, "form": name})
    session.flush()


def deploy_preview(session: Session, draft: ProcessDraft) -> DeployPreview:
    """What deploying the draft would do (nothing is changed); DraftDeployed for a draft already deployed."""
    _refuse_if_deployed(session, draft)
    digest = draft_hash(draft)
    identical = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == draft.process_id,
                                                            ProcessVersion.content_hash == digest))
    last = session.scalar(select(func.max(ProcessVersion.number)).where(ProcessVersion.process_id == draft.process_id))
    active = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == draft.process_id,
                                                         ProcessVersion.active.is_(True)))
    changes = None
    if active is not None:
        try:
            changes = diff(active.bundle, draft.bundle)
        except ProcessError:  # a file the diff cannot read is also a problem the validation names
            changes = None
    return DeployPreview(
        draft=draft, problems=validate_bundle(draft.bundle),
        number=identical.number if identical is not None else (last or 0) + 1, identical=identical,
        active=active, running=running_cases(session, active.id) if active is not None else 0,
        based_on=session.get(ProcessVersion, draft.based_on_id) if draft.based_on_id else None,
        changes=changes, content_hash=digest)


def deploy_draft(session: Session, actor: str, draft: ProcessDraft, note: str | None = None,
                 confirmed_hash: str | None = None) -> ProcessVersion:
    """Validate and deploy the draft as the active version (new cases use it; running cases keep theirs). The
    draft is read-only afterwards. With `confirmed_hash` (from the deploy confirmation), a draft that changed
    since the owner looked at the summary is not deployed (Conflict)."""
    _ensure_editable(session, draft)
    if confirmed_hash is not None and confirmed_hash != draft_hash(draft):
        raise Conflict(t("draft_changed", draft=draft.id))
    version = deploy_bundle(session, actor, draft.bundle, note or draft.note)
    draft.deployed_version_id = version.id
    audit(session, actor, "draft_deployed", {"draft": draft.id, "number": version.number})
    session.flush()
    return version


def deploy_bundle(session: Session, actor: str, bundle: dict[str, Any], note: str | None = None) -> ProcessVersion:
    problems = validate_bundle(bundle)
    if problems:
        raise ProcessError(t("not_deployed"), [str(p) for p in problems],
                           [p.as_dict() for p in problems])
    return versions.deploy(session, bundle, actor, note=note)


def activate(session: Session, actor: str, version: ProcessVersion) -> ProcessVersion:
    """Make an earlier (or later) version the one new cases start on — a roll back is activating an older one."""
    previous = session.scalar(select(ProcessVersion.number).where(ProcessVersion.process_id == version.process_id,
                                                                  ProcessVersion.active.is_(True)))
    session.execute(update(ProcessVersion).where(ProcessVersion.process_id == version.process_id)
                    .values(active=False))
    version.active = True
    audit(session, actor, "version_activated", {"process_id": version.process_id, "number": version.number,
                                                "previous": previous})
    session.flush()
    return version


# --- differences between versions ------------------------------------------------------------------------

def _elements(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Element id → what a process owner cares about (kind, name, lane role, form, timer, script, condition)."""
    out: dict[str, dict[str, Any]] = {}
    for text in bundle.get("bpmn", {}).values():
        root = versions.parse_xml(text)
        lanes = {ref.text: lane.get("name") for lane in root.iter(f"{{{BPMN}}}lane")
                 for ref in lane.iter(f"{{{BPMN}}}flowNodeRef")}
        for element in root.iter():
            if not isinstance(element.tag, str) or etree.QName(element).namespace != BPMN or not element.get("id"):
                continue
            kind = etree.QName(element).localname
            if kind in ("definitions", "laneSet", "lane", "collaboration", "participant", "process"):
                continue
            info: dict[str, Any] = {"kind": kind, "name": element.get("name")}
            if element.get("id") in lanes:
                info["lane"] = lanes[element.get("id")]
            form = element.xpath("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
                                 "[@name='formJsonSchemaFilename']/@value", namespaces=NS)
            if form:
                info["form"] = form[0]
            for tag in ("timeDuration", "timeDate", "timeCycle"):
                timer = element.find(f"{{{BPMN}}}timerEventDefinition/{{{BPMN}}}{tag}")
                if timer is not None:
                    info["timer"] = f"{tag}: {(timer.text or '').strip()}"
            script = element.find(f"{{{BPMN}}}script")
            if script is None:  # a business rule task's script runs after its table
                script = element.find(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}postScript")
            if script is not None:
                info["script"] = (script.text or "").strip()
            decision = element.find(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}calledDecisionId")
            if decision is not None:
                info["decision"] = (decision.text or "").strip()
            condition = element.find(f"{{{BPMN}}}conditionExpression")
            if condition is not None:
                info["condition"] = (condition.text or "").strip()
            out[element.get("id")] = info
    return out


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed from `old` to `new`: elements added/removed/changed (with before/after per field), timers
    changed, forms added/removed/changed, decision table rows added/removed/changed."""
    before, after = _elements(old), _elements(new)
    changed = []
    for element_id in sorted(before.keys() & after.keys()):
        fields = {k: (before[element_id].get(k), after[element_id].get(k))
                  for k in sorted(before[element_id].keys() | after[element_id].keys())
                  if before[element_id].get(k) != after[element_id].get(k)}
        if fields:
            changed.append({"id": element_id, "name": after[element_id].get("name"), "kind": after[element_id]["kind"],
                            "fields": fields})
    old_forms, new_forms = old.get("forms", {}), new.get("forms", {})

    def shown(info: dict[str, Any]) -> bool:  # plain sequence flows are layout; conditional ones are rules
        return info["kind"] != "sequenceFlow" or bool(info.get("condition"))

    return {
        "added": [{"id": i, **after[i]} for i in sorted(after.keys() - before.keys()) if shown(after[i])],
        "removed": [{"id": i, **before[i]} for i in sorted(before.keys() - after.keys()) if shown(before[i])],
        "changed": changed,
        "timers_changed": [c for c in changed if "timer" in c["fields"]],
        "forms": {"added": sorted(new_forms.keys() - old_forms.keys()),
                  "removed": sorted(old_forms.keys() - new_forms.keys()),
                  "changed": sorted(k for k in old_forms.keys() & new_forms.keys() if old_forms[k] != new_forms[k])},
        "tables": table_diff(old.get("dmn") or {}, new.get("dmn") or {}),
    }


def live_counts(session: Session, version: ProcessVersion) -> dict[str, dict[str, int]]:
    """Per task (diagram element id): how many open tasks wait there, how many near (< 4 h) or past deadline."""
    at = now()
    rows = session.execute(select(InboxItem.task_name, InboxItem.due_at).join(Case, Case.id == InboxItem.case_id)
                           .where(Case.process_version_id == version.id))
    counts: dict[str, dict[str, int]] = {}
    for task_name, due in rows:
        entry = counts.setdefault(task_name, {"waiting": 0, "near": 0, "overdue": 0})
        entry["waiting"] += 1
        if due is not None and due < at:
            entry["overdue"] += 1
        elif due is not None and due - at < NEAR_DEADLINE:
            entry["near"] += 1
    return counts


