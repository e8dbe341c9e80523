"""A bundle's files read from disk: bounded, regular files only, UTF-8, forms checked as the studio checks them,
and every file that cannot be read named with what is wrong."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine import versions
from engine.bundle_files import MAX_FORM_BYTES, form_problem, read_file, read_form
from engine.errors import ProcessError

DIAGRAM = versions.PROCESSES_DIR / "rapid_response.bpmn"


def _forms(tmp_path: Path, **extra: str) -> Path:
    folder = tmp_path / "forms"
    folder.mkdir(parents=True)
    for path in versions.FORMS_DIR.glob("*.json"):
        (folder / path.name).write_bytes(path.read_bytes())
    for name, text in extra.items():
        (folder / f"{name}.json").write_text(text, encoding="utf-8")
    return folder


def test_a_broken_form_is_named_with_where_its_json_breaks_and_every_bad_file_is_listed(tmp_path):
    folder = _forms(tmp_path, broken='{"type": "object",\n  "properties": {"a": 1,}}', listed="[]",
                    loose='{"type": "object", "properties": 5}')
    with pytest.raises(ProcessError) as caught:
        versions.read_bundle(bpmn_files=[DIAGRAM], forms_dir=folder)
    assert caught.value.problems == [
        f"{folder / 'broken.json'}: not valid JSON: check line 2, column 25 "
        "(Expecting property name enclosed in double quotes)",
        f"{folder / 'listed.json'}: A form is a JSON Schema of type object",
        f"{folder / 'loose.json'}: not valid JSON Schema at $.properties: 5 is not of type 'object'"]
    assert [d["file"] for d in caught.value.details] == [str(folder / n) for n in ("broken.json", "listed.json",
                                                                                   "loose.json")]
    assert versions.read_bundle(bpmn_files=[DIAGRAM], forms_dir=_forms(tmp_path / "good"))["forms"]


@pytest.mark.parametrize(("text", "problem"), [
    ("[" * 200_000, "nested more than 32 levels"),  # deeper than the JSON parser recurses
    ('{"type": "object", "a": ' + "[" * 40 + "]" * 40 + "}", "nested more than 32 levels"),
    ('{"type": "object", "minimum": NaN}', "not finite"),
    ('{"type": "object", "title": "\\ud800"}', "not valid JSON"),  # a lone surrogate is no text
    ('{"type": "object", "maximum": ' + "9" * 5000 + "}", "not valid JSON"),  # more digits than Python reads
])
def test_a_form_the_studio_would_refuse_is_refused_from_disk_too(tmp_path, text, problem):
    path = tmp_path / "form.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProcessError, match=problem):
        read_form(path)


def test_the_studio_and_the_files_share_the_form_checks():
    assert form_problem({"type": "object", "properties": {}}) is None
    message, detail = form_problem({"type": "object", "properties": {"a": {"type": "nope"}}})
    assert message == "Not a valid JSON Schema" and detail.startswith("not valid JSON Schema at")


def test_a_file_larger_than_its_limit_is_refused_without_being_read_whole(tmp_path):
    huge = tmp_path / "huge.bpmn"
    with huge.open("wb") as file:
        file.truncate(64 * versions.MAX_DIAGRAM_BYTES)  # sparse: 128 MiB that nobody should read
    with pytest.raises(ProcessError) as caught:
        versions.read_bundle(bpmn_files=[huge], forms_dir=tmp_path)
    assert caught.value.problems == [f"{huge}: larger than {versions.MAX_DIAGRAM_BYTES // 1024} KiB"]
    form = tmp_path / "big.json"
    form.write_text(json.dumps({"type": "object", "title": "x" * MAX_FORM_BYTES}), encoding="utf-8")
    with pytest.raises(ProcessError, match=f"big.json: larger than {MAX_FORM_BYTES // 1024} KiB"):
        read_form(form)
    exact = tmp_path / "exact.dmn"
    exact.write_bytes(b"x" * 10)
    assert read_file(exact, 10) == "x" * 10


def test_only_regular_files_are_read_never_a_device_a_pipe_or_a_folder(tmp_path):
    pipe = tmp_path / "pipe.bpmn"
    os.mkfifo(pipe)  # opening it to read would wait for a writer for ever
    folder = tmp_path / "folder.bpmn"
    folder.mkdir()
    for path in (Path("/dev/zero"), pipe, folder):
        with pytest.raises(ProcessError, match="not a regular file"):
            read_file(path, versions.MAX_DIAGRAM_BYTES)
    with pytest.raises(ProcessError, match="missing.bpmn: cannot be read: No such file or directory"):
        read_file(tmp_path / "missing.bpmn", 10)
    latin = tmp_path / "latin.bpmn"
    latin.write_bytes("<a>é</a>".encode("latin-1"))
    with pytest.raises(ProcessError, match="latin.bpmn: not UTF-8 text"):
        read_file(latin, 10)
