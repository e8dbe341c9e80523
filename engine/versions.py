"""Process versions: a bundle of diagrams, decision tables and forms, stored immutably by content hash, parsed
once."""
from __future__ import annotations

import ast
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from .bundle_files import read_file, read_form
from .decisions import table_output
from .errors import NotFound, ProcessError
from .events import audit
from .expressions import ExpressionError, execute
from .functions import Effects, build_functions
from .messages import t
from .models import ProcessVersion
from .problems import Problem

DEFAULT_PROCESS_ID = "rapid_response"
PROCESSES_DIR = Path(__file__).resolve().parent.parent / "processes" / "bpmn"
FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"
MAX_DIAGRAM_BYTES = 2 * 1024 * 1024  # a diagram or a decision table (XML); a form: bundle_files.MAX_FORM_BYTES
# Processes of their own beside the procedure, with their diagram files in PROCESSES_DIR (the procedure's bundle
# is every other diagram there).
REPORTING_PROCESS_ID = "leadership_reporting"
OWN_FILES = {REPORTING_PROCESS_ID: ("reporting.bpmn",)}

# Never resolve entities, never touch the network, refuse huge trees: diagrams may be uploaded.
# Always read as UTF-8, whatever the document declares: a declared encoding such as UTF-7 would let "<!DOCTYPE"
# arrive in bytes that do not look like it (the check in parse_xml looks at the bytes).
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                              remove_comments=False, encoding="utf-8")


@dataclass(frozen=True)
class ParsedProcess:
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]


def read_bundle(process_id: str = DEFAULT_PROCESS_ID, bpmn_files: Iterable[Path] | None = None,
                forms_dir: Path = FORMS_DIR) -> dict[str, Any]:
    """Collect diagrams, decision tables (the `.dmn` files given, else those beside the diagrams) and forms from
    disk into a version bundle. Each file is read by `bundle_files.read_file` (diagrams and tables to at most
    MAX_DIAGRAM_BYTES, forms to at most MAX_FORM_BYTES) and each form checked as the studio checks one; a
    ProcessError lists every file that cannot be part of the bundle (`problems`; `details` by file)."""
    if bpmn_files is not None:
        given = sorted(bpmn_files)
    elif process_id in OWN_FILES:
        given = [PROCESSES_DIR / name for name in OWN_FILES[process_id]]
    else:
        others = {name for names in OWN_FILES.values() for name in names}
        given = sorted(p for p in PROCESSES_DIR.glob("*.bpmn") if p.name not in others)
    files = [p for p in given if p.suffix != ".dmn"]
    tables = [p for p in given if p.suffix == ".dmn"] or (
        [] if process_id in OWN_FILES else sorted({t for f in files for t in f.parent.glob("*.dmn")}))
    problems: list[Problem] = []

    def collected(read, path: Path, *limit: int) -> Any:
        try:
            return read(path, *limit)
        except ProcessError as exc:  # the message names the file
            problems.append(Problem(exc.args[0], str(path)))
            return None

    bundle = {
        "process_id": process_id,
        "bpmn": {p.name: collected(read_file, p, MAX_DIAGRAM_BYTES) for p in files},
        "dmn": {p.name: collected(read_file, p, MAX_DIAGRAM_BYTES) for p in tables},
        "forms": {p.stem: collected(read_form, p) for p in sorted(forms_dir.glob("*.json"))},
    }
    if problems:
        raise ProcessError(t("files_not_read"), [p.message for p in problems], [p.as_dict() for p in problems])
    return bundle


def content_hash(bundle: dict[str, Any]) -> str:
    canonical = json.dumps(bundle, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_xml(text: str | bytes, filename: str = "<diagram>") -> etree._Element:
    data = text.encode("utf-8") if isinstance(text, str) else text
    if len(data) > MAX_DIAGRAM_BYTES:
        raise ProcessError(t("diagram_too_large", file=filename, limit=MAX_DIAGRAM_BYTES // 1024))
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ProcessError(t("no_doctype", file=filename))
    try:
        root = etree.fromstring(data, parser=_XML_PARSER)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, 0)
        raise ProcessError(t("xml_not_well_formed", file=filename),
                           [t("xml_broken_at", line=line, column=column)]) from exc
    if root.getroottree().docinfo.doctype:  # however it got past the byte check
        raise ProcessError(t("no_doctype", file=filename))
    return root


def parse_bundle(bundle: dict[str, Any]) -> ParsedProcess:
    """Parse with SpiffWorkflow's spiff parser, the BPMN XSD and the DMN schemas; errors become ProcessError."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    process_id = bundle["process_id"]
    try:
        for filename, text in (bundle.get("dmn") or {}).items():
            parser.add_dmn_xml(parse_xml(text, filename), filename)
        for filename, text in bundle["bpmn"].items():
            parser.add_bpmn_xml(parse_xml(text, filename), filename)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except SpiffWorkflowException as exc:
        raise ProcessError(t("process_not_valid", process=process_id), [str(exc)]) from exc
    return ParsedProcess(spec, subprocess_specs)


class _VersionCache:
    """Parsed specs and forms per version, keyed by id and content hash (ids repeat across databases).
    Versions are immutable, so entries never go stale."""

    def __init__(self, size: int = 32):
        self._items: OrderedDict[tuple[int, str], tuple[ParsedProcess, dict[str, Any]]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, version: ProcessVersion) -> tuple[ParsedProcess, dict[str, Any]]:
        key = (version.id, version.content_hash)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        state = inspect(version)
        if state.detached and "bundle" in state.unloaded:
            raise ProcessError(f"process version {version.id} was read without its bundle outside a session; "
                               "load it with undefer(ProcessVersion.bundle) or inside the session")
        bundle = version.bundle  # deferred column: read from the database only here
        entry = (parse_bundle(bundle), dict(bundle.get("forms", {})))
        with self._lock:
            self._items[key] = entry
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


SPEC_CACHE = _VersionCache()


def parsed(version: ProcessVersion) -> ParsedProcess:
    return SPEC_CACHE.get(version)[0]


def deploy(session: Session, bundle: dict[str, Any], actor: str, note: str | None = None,
           activate: bool = True) -> ProcessVersion:
    """Store the bundle as a new version (or return the identical existing one) and make it active."""
    parse_bundle(bundle)
    process_id = bundle["process_id"]
    digest = content_hash(bundle)
    version = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                                          ProcessVersion.content_hash == digest))
    if version is None:
        last = session.scalar(select(ProcessVersion.number).where(ProcessVersion.process_id == process_id)
                              .order_by(ProcessVersion.number.desc()).limit(1))
        version = ProcessVersion(process_id=process_id, number=(last or 0) + 1, content_hash=digest,
                                 bundle=bundle, deployed_by=actor, note=note, active=False)
        session.add(version)
        session.flush()
        audit(session, actor, "version_deployed", {"process_id": process_id, "number": version.number,
                                                   "hash": digest})
    if activate and not version.active:
        session.execute(update(ProcessVersion).where(ProcessVersion.process_id == process_id)
                        .values(active=False))
        version.active = True
        session.flush()
    return version


def active_version(session: Session, process_id: str = DEFAULT_PROCESS_ID) -> ProcessVersion:
    version = find_active_version(session, process_id)
    if version is None:
        raise NotFound(t("no_active_version", process=process_id))
    return version


def find_active_version(session: Session, process_id: str = DEFAULT_PROCESS_ID) -> ProcessVersion | None:
    """The active version, or None before the first deployment."""
    return session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                                       ProcessVersion.active.is_(True)))


def version_form(version: ProcessVersion, form_file: str | None) -> dict[str, Any] | None:
    """The JSON Schema a task of this version uses (forms are part of the version)."""
    if not form_file:
        return None
    name = form_file[:-5] if form_file.endswith(".json") else form_file
    form = SPEC_CACHE.get(version)[1].get(name)
    if form is None:
        raise NotFound(t("form_not_in_version", form=form_file, number=version.number))
    return form


def main_file(bundle: dict[str, Any], process_id: str) -> str | None:
    """The name of the bundle's diagram file that holds the main process (else its first file; None if empty)."""
    diagrams = bundle.get("bpmn", {})
    marker = f'id="{process_id}"'
    return next((name for name, text in diagrams.items() if marker in text), next(iter(diagrams), None))


def main_diagram(version: ProcessVersion) -> str:
    """The diagram (XML) that holds the version's main process, for viewing."""
    name = main_file(version.bundle, version.process_id)
    return version.bundle["bpmn"][name] if name else ""


# ---- deadline texts: read from the version's decision table (or diagram), never written in code ----------

LEVELS = (1, 2, 3)
_SAMPLE_RECEIPT = "2026-01-01T00:00:00+00:00"  # any instant: the scripts count hours from it


@dataclass(frozen=True)
class DeadlineHours:
    """Hours from receipt, as the version computes them: for screening and classification (`screening_hours`,
    from the diagram) and per level (`sla_hours`, from the deadline decision table). None when it does not say."""

    screening: int | float | None
    levels: dict[int, int | float]

    def span(self) -> tuple[int | float, int | float] | None:
        return (min(self.levels.values()), max(self.levels.values())) if self.levels else None


_HOURS: OrderedDict[tuple[int, str], DeadlineHours] = OrderedDict()
_HOURS_LOCK = threading.Lock()


def deadline_hours(version: ProcessVersion) -> DeadlineHours:
    """The deadlines a version promises, found by running its decision table that gives `sla_hours` for each
    level (versions from before the tables: the script that assigns it) and the script that assigns
    `screening_hours`, all in the restricted evaluator; cached per version."""
    key = (version.id, version.content_hash)
    with _HOURS_LOCK:
        if key in _HOURS:
            return _HOURS[key]
    parsed_process = parsed(version)
    scripts = [spec.script for process in (parsed_process.spec, *parsed_process.subprocess_specs.values())
               for spec in process.task_specs.values() if isinstance(getattr(spec, "script", None), str)]
    levels = {level: hours for level in LEVELS
              if (hours := _table_hours(parsed_process, level)) is not None
              or (hours := _assigned(scripts, "sla_hours", {"level": level})) is not None}
    found = DeadlineHours(_assigned(scripts, "screening_hours", {}), levels)
    with _HOURS_LOCK:
        _HOURS[key] = found
        while len(_HOURS) > 32:
            _HOURS.popitem(last=False)
    return found


def active_deadline_hours(session: Session, process_id: str = DEFAULT_PROCESS_ID) -> DeadlineHours:
    return deadline_hours(active_version(session, process_id))


def _table_hours(parsed_process: ParsedProcess, level: int) -> int | float | None:
    value = table_output(parsed_process, "sla_hours", {"level": level, "received_at": _SAMPLE_RECEIPT})
    return _positive(value)


def _positive(value: Any) -> int | float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return int(value) if float(value).is_integer() else value
    return None


def _assigned(scripts: list[str], name: str, names: dict[str, Any]) -> int | float | None:
    """The positive number the first script that assigns `name` gives it (effects of the run are discarded)."""
    for script in scripts:
        try:
            tree = ast.parse(script)
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # reported by the script's own check
            continue
        if not any(isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                                        for t in node.targets) for node in ast.walk(tree)):
            continue
        context = {"received_at": _SAMPLE_RECEIPT, **names}
        try:
            execute(script, context, build_functions(Effects()))
        except ExpressionError:
            continue
        if (value := _positive(context.get(name))) is not None:
            return value
    return None
