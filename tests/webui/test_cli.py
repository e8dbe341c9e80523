"""The operator's command line: set-up, demo data, and firing timers at a chosen instant."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.db import make_engine, make_session_factory, transaction
from engine.models import Case, InboxItem, Unit
from webui.cli import main


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("RR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        return result

    run.url = f"sqlite:///{tmp_path / 'rapid_response.sqlite3'}"
    return run


def test_init_db_seed_demo_and_run_once_escalates_the_unhandled_level_1_demo_case(cli):
    result = cli("init-db")
    assert result.exit_code == 0, result.output
    assert "deployed rapid_response version 1" in result.output
    assert "is active" in cli("init-db").output  # a second run changes nothing

    result = cli("seed-demo")
    assert result.exit_code == 0, result.output
    assert "4 cases added" in result.output
    assert "0 cases added" in cli("seed-demo").output

    sessions = make_session_factory(make_engine(cli.url))
    with transaction(sessions) as session:
        case = session.scalar(select(Case).where(Case.level == 1))
        received, code = case.received_at, case.code
        assert not case.overdue

    later = (received + timedelta(hours=25)).isoformat()
    result = cli("timers", "run-once", "--now", later)
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output
    with transaction(sessions) as session:
        case = session.scalar(select(Case).where(Case.code == code))
        assert case.overdue
        leadership = session.scalars(select(InboxItem.task_name).where(InboxItem.case_id == case.id,
                                                                       InboxItem.role == "leadership")).all()
        assert leadership == ["review_overdue"]


def test_run_once_refuses_a_malformed_instant(cli):
    cli("init-db")
    result = CliRunner().invoke(main, ["timers", "run-once", "--now", "tomorrow"])
    assert result.exit_code == 2
    assert "not an ISO 8601 date-time" in result.output


def test_run_once_refuses_an_instant_outside_the_years_the_system_accepts(cli):
    cli("init-db")
    cli("seed-demo")  # cases due at 9999-12-31: their lease's expiry overflowed (OverflowError)
    for instant in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00", "1999-12-31T23:00"):
        result = cli("timers", "run-once", "--now", instant)
        assert result.exit_code == 2, result.output
        assert "Invalid value for '--now': a date-time in the years 2000–2099" in result.output
    assert cli("timers", "run-once", "--now", "2099-12-31T23:59:59-14:00").exit_code == 0


def test_users_create_makes_a_user_who_can_sign_in_and_refuses_bad_input(cli):
    from engine.accounts import verify_password
    from engine.models import User

    assert cli("init-db").exit_code == 0
    cli("seed-demo")
    result = cli("users", "create", "ward7", "--name", "Cán bộ phường 7", "--role", "handling_unit",
                 "--unit", "ward-tan-dinh", "--password", "long-enough-1")
    assert result.exit_code == 0, result.output
    assert "handling_unit" in result.output
    with transaction(make_session_factory(make_engine(cli.url))) as session:
        user = session.scalar(select(User).where(User.username == "ward7"))
        assert user.unit_code == "ward-tan-dinh" and verify_password(user.password_hash, "long-enough-1")
    bad = cli("users", "create", "ward8", "--name", "X", "--role", "wizard", "--unit", "nowhere",
              "--password", "short")
    assert bad.exit_code == 1
    assert "roles" in bad.output and "unit" in bad.output and "password" in bad.output


def test_a_bad_smtp_setting_is_a_clear_error_for_the_worker(cli, monkeypatch):
    cli("init-db")
    monkeypatch.setenv("RR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RR_SMTP_PORT", "twenty-five")
    result = cli("worker")
    assert result.exit_code == 1
    assert "RR_SMTP_PORT" in result.output


def test_api_clients_add_prints_a_key_that_the_api_accepts_and_refuses_a_second_client_of_that_name(cli):
    from engine.citizen import client_for_key

    cli("init-db")
    result = cli("api-clients", "add", "city-portal")
    assert result.exit_code == 0, result.output
    key = result.output.split("API key for city-portal: ")[1].split()[0]
    with transaction(make_session_factory(make_engine(cli.url))) as session:
        assert client_for_key(session, key).name == "city-portal"
        assert client_for_key(session, key + "x") is None
    again = cli("api-clients", "add", "city-portal")
    assert again.exit_code == 1 and "exists" in again.output


def test_processes_validate_and_deploy_share_the_studios_checks(cli, tmp_path):
    from engine import versions

    cli("init-db")
    from tests.tables import set_deadline

    changed = set_deadline(versions.read_bundle(), 1, 12)  # level 1 in 12 h: a cell of the deadline table
    for name, text in changed["dmn"].items():  # the decision tables beside the diagram are part of it
        (tmp_path / name).write_text(text, encoding="utf-8")
    good = tmp_path / "good.bpmn"
    good.write_text(changed["bpmn"]["rapid_response.bpmn"], encoding="utf-8")
    bad = tmp_path / "bad.bpmn"
    bad.write_text(good.read_text(encoding="utf-8").replace('name="citizen">', 'name="janitor">'), encoding="utf-8")
    hostile = tmp_path / "xxe.bpmn"
    hostile.write_text('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', encoding="utf-8")

    ok = cli("processes", "validate", str(good))
    assert ok.exit_code == 0 and "no problems" in ok.output
    refused = cli("processes", "validate", str(bad))
    assert refused.exit_code == 1 and "lane_citizen" in refused.output and "janitor" in refused.output
    assert cli("processes", "deploy", str(bad)).exit_code == 1
    xxe = cli("processes", "deploy", str(hostile))
    assert xxe.exit_code == 1 and "root:" not in xxe.output
    deployed = cli("processes", "deploy", str(good), "--note", "level 1 in 12 h")
    assert deployed.exit_code == 0 and "version 2 active" in deployed.output


def test_a_fresh_init_db_has_the_168_units_and_the_demo_adds_agencies_not_duplicate_wards(cli):
    result = cli("init-db")
    assert result.exit_code == 0, result.output
    assert "commune-level units: 168 added" in result.output
    assert "commune-level units" not in cli("init-db").output  # imported once, on the fresh install
    assert "5 units" in cli("seed-demo").output  # the inspectorate, the team, three agencies: its wards exist
    sessions = make_session_factory(make_engine(cli.url))
    with transaction(sessions) as session:
        kinds = Counter(session.scalars(select(Unit.kind)))
        assert kinds == {"ward": 168, "agency": 3, "inspectorate": 1, "department": 1}


def test_import_wards_twice_changes_nothing_and_refuses_an_unknown_province(cli, monkeypatch):
    cli("db", "upgrade")
    assert "168 added" in cli("units", "import-wards", "--province", "79").output
    assert "0 added, 0 updated, 168 unchanged" in cli("units", "import-wards").output  # RR_PROVINCE default 79
    refused = CliRunner().invoke(main, ["units", "import-wards", "--province", "999"])
    assert refused.exit_code == 1 and "no province with code 999" in refused.output
    monkeypatch.setenv("RR_PROVINCE", "HCM")
    refused = CliRunner().invoke(main, ["units", "import-wards"])
    assert refused.exit_code == 1 and "RR_PROVINCE must be a province code" in refused.output


def test_db_upgrade_says_what_happened_and_refuses_an_unknown_revision_cleanly(cli):
    from engine import schema

    first = cli("db", "upgrade")
    assert first.exit_code == 0, first.output
    (head,) = schema.current(make_engine(cli.url))
    assert first.output == f"database upgraded from an empty database to {head}\n"
    back = cli("db", "upgrade", "--revision", "base")  # was "database at base": an upgrade never goes back
    assert back.exit_code == 0 and back.output == f"database unchanged, at {head}\n"
    unknown = cli("db", "upgrade", "--revision", "nope")
    assert unknown.exit_code == 1
    assert unknown.output == "Error: The database was not migrated: Can't locate revision identified by 'nope'\n"


def test_a_broken_form_is_named_with_where_it_breaks(cli, tmp_path):
    from engine import versions

    forms = tmp_path / "forms"
    forms.mkdir()
    for path in versions.FORMS_DIR.glob("*.json"):
        (forms / path.name).write_bytes(path.read_bytes())
    (forms / "broken.json").write_text('{"type": "object",\n  "properties": {"a": 1,}}', encoding="utf-8")
    diagram = str(versions.PROCESSES_DIR / "rapid_response.bpmn")
    for command in ("validate", "deploy"):
        result = cli("processes", command, diagram, "--forms", str(forms))
        assert result.exit_code == 1
        assert result.output == ("Error: Some of the process files could not be read; nothing was checked or "
                                 f"deployed\n{forms / 'broken.json'}: not valid JSON: check line 2, column 25 "
                                 "(Expecting property name enclosed in double quotes)\n")
    (forms / "broken.json").unlink()
    assert cli("processes", "validate", diagram, "--forms", str(forms)).exit_code == 0


@pytest.mark.timeout(60)
def test_processes_validate_reads_only_regular_files(cli, tmp_path):
    import os

    pipe = tmp_path / "pipe.bpmn"
    os.mkfifo(pipe)  # was opened and read: waited for a writer for ever
    for name in (str(pipe), "/dev/zero"):  # /dev/zero was read until the memory ran out
        result = cli("processes", "validate", name)
        assert result.exit_code == 1
        assert f"{name}: not a regular file" in result.output


def test_a_broken_diagram_is_named_once_with_where_it_breaks(cli, tmp_path):
    broken = tmp_path / "broken.bpmn"
    broken.write_text('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
                      '<bpmn:process id="x"></bpmn:proces></bpmn:definitions>', encoding="utf-8")
    result = cli("processes", "validate", str(broken))
    assert result.exit_code == 1
    assert "broken.bpmn: not well-formed XML; Line 1, column " in result.output
    assert result.output.count("broken.bpmn") == 1, result.output


def test_cases_commands_refuse_an_empty_or_blank_actor(cli):
    from engine.models import AuditEntry

    cli("init-db")
    cli("seed-demo")
    sessions = make_session_factory(make_engine(cli.url))
    with transaction(sessions) as session:
        case_id = session.scalar(select(Case.id).order_by(Case.id).limit(1))
    for actor in ("", "   ", "a b", "x" * 81):
        refused = cli("cases", "cancel", str(case_id), "--reason", "x", "--by", actor)
        assert refused.exit_code == 2 and "Invalid value for '--by'" in refused.output, refused.output
    with transaction(sessions) as session:
        assert session.get(Case, case_id).status != "closed"
    assert cli("cases", "suspend", str(case_id), "--reason", "storm", "--by", " Ops ").exit_code == 0
    with transaction(sessions) as session:
        assert session.scalar(select(AuditEntry.actor).where(AuditEntry.kind == "case_suspended")) == "ops"
