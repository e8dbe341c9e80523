"""Settings are read from the environment once, at start-up (webui/config.py), and passed to the engine.

The engine itself never reads the environment: an operator's RR_* variable changes what the engine does only
through the settings object the web app, the CLI and the worker build.
"""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import cases, timers
from engine import settings as engine_settings
from engine.db import make_session_factory, transaction
from engine.models import Case, OutboxEmail
from engine.settings import Settings, SmtpSettings
from tests.casedriver import REPORT, CaseDriver
from webui import config

ENGINE_DIR = Path(__file__).resolve().parents[2] / "engine"
RR_VARIABLES = ("RR_BASE_URL", "RR_TIMER_LEASE_SECONDS", "RR_TIMER_POLL_SECONDS", "RR_MAX_CASE_BYTES",
                "RR_CONTACT_RETENTION_DAYS", "RR_SMTP_HOST", "RR_DEFAULT_LANGUAGE", "DATABASE_URL")


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    for name in RR_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RR_INSTANCE_PATH", str(tmp_path))


def test_no_module_of_the_engine_reads_the_environment():
    readers = [f"{path.relative_to(ENGINE_DIR)}:{number}"
               for path in sorted(ENGINE_DIR.rglob("*.py"))
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"os\.environ|os\.getenv|getenv\(", line)]
    assert readers == []


def test_without_variables_the_settings_are_the_laptop_defaults(clean_environment, tmp_path):
    built = config.settings()
    assert built == Settings(database_url=f"sqlite:///{tmp_path / 'rapid_response.sqlite3'}")
    assert (built.base_url, built.timer_lease_seconds, built.timer_poll_seconds, built.max_case_bytes,
            built.contact_retention_days, built.smtp) == ("http://127.0.0.1:5000", 300.0, 5.0, 1_000_000, 365, None)
    assert built.default_language == "vi"


def test_every_variable_reaches_the_settings(clean_environment, monkeypatch):
    for name, value in {"RR_BASE_URL": " https://phananh.soyte.example.vn/ ", "RR_TIMER_LEASE_SECONDS": "7",
                        "RR_TIMER_POLL_SECONDS": "0.5", "RR_MAX_CASE_BYTES": "50000",
                        "RR_CONTACT_RETENTION_DAYS": "30", "RR_SMTP_HOST": "mail.example.vn",
                        "RR_DEFAULT_LANGUAGE": " EN ", "DATABASE_URL": "postgres://rr@db.example.vn/rr"}.items():
        monkeypatch.setenv(name, value)
    built = config.settings()
    assert built == Settings(database_url="postgresql+psycopg://rr@db.example.vn/rr",
                             base_url="https://phananh.soyte.example.vn", timer_lease_seconds=7.0,
                             timer_poll_seconds=0.5, max_case_bytes=50_000, contact_retention_days=30,
                             default_language="en", smtp=SmtpSettings(host="mail.example.vn"))


@pytest.mark.parametrize(("variable", "value"), [
    ("RR_TIMER_LEASE_SECONDS", "five minutes"),
    ("RR_TIMER_LEASE_SECONDS", "0"),
    ("RR_MAX_CASE_BYTES", "12"),
    ("RR_CONTACT_RETENTION_DAYS", "forever"),
    ("RR_SMTP_PORT", "twenty-five"),
    ("RR_DEFAULT_LANGUAGE", "fr"),
])
def test_a_bad_value_stops_start_up_naming_the_variable(clean_environment, monkeypatch, variable, value):
    monkeypatch.setenv("RR_SMTP_HOST", "mail.example.vn")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable):
        config.settings()


def test_smtp_settings_from_the_environment():
    assert config.smtp_settings({}) is None
    assert config.smtp_settings({"RR_SMTP_HOST": " "}) is None
    basic = config.smtp_settings({"RR_SMTP_HOST": "mail.example.vn"})
    assert basic == SmtpSettings(host="mail.example.vn", port=25, sender="rapid-response@localhost", timeout=10.0)
    full = config.smtp_settings({
        "RR_SMTP_HOST": "smtp.example.vn", "RR_SMTP_PORT": "587", "RR_SMTP_USER": "rr",
        "RR_SMTP_PASSWORD": "s3cret", "RR_SMTP_STARTTLS": "true", "RR_MAIL_FROM": "rr@soyte.example.vn",
        "RR_SMTP_TIMEOUT": "2.5"})
    assert (full.port, full.username, full.password, full.use_starttls, full.use_ssl, full.sender, full.timeout) == (
        587, "rr", "s3cret", True, False, "rr@soyte.example.vn", 2.5)
    assert "s3cret" not in repr(full)
    named = config.smtp_settings({"RR_SMTP_HOST": "h", "RR_MAIL_FROM": "Sở Y tế <rr@soyte.example.vn>"})
    assert named.sender == "Sở Y tế <rr@soyte.example.vn>"
    ssl_only = config.smtp_settings({"RR_SMTP_HOST": "h", "RR_SMTP_SSL": "1"})
    assert ssl_only.use_ssl and ssl_only.port == 465


@pytest.mark.parametrize(("env", "variable"), [
    ({"RR_SMTP_PORT": "twenty-five"}, "RR_SMTP_PORT"),
    ({"RR_SMTP_PORT": "70000"}, "RR_SMTP_PORT"),
    ({"RR_SMTP_TIMEOUT": "soon"}, "RR_SMTP_TIMEOUT"),
    ({"RR_SMTP_TIMEOUT": "0"}, "RR_SMTP_TIMEOUT"),
    ({"RR_SMTP_STARTTLS": "maybe"}, "RR_SMTP_STARTTLS"),
    ({"RR_MAIL_FROM": "not an address"}, "RR_MAIL_FROM"),
])
def test_bad_smtp_settings_name_the_variable(env, variable):
    with pytest.raises(ValueError, match=variable):
        config.smtp_settings({"RR_SMTP_HOST": "mail.example.vn", **env})


def test_a_session_knows_the_settings_of_its_factory(db_engine):
    chosen = Settings(base_url="https://rr.example.vn", max_case_bytes=20_000)
    with make_session_factory(db_engine, chosen)() as session:
        assert engine_settings.of(session) is chosen
    with make_session_factory(db_engine)() as session:
        assert engine_settings.of(session) == Settings()


def test_links_in_the_reporters_mail_point_at_the_configured_address(factory, db_engine, clock):
    drive = CaseDriver(make_session_factory(db_engine, Settings(base_url="https://phananh.example.vn")), clock)
    with transaction(drive.factory) as session:
        code = cases.submit_report(session, REPORT, {"email": "mai@example.org"}).code
        body = session.scalar(select(OutboxEmail.body).where(OutboxEmail.to_addr == "mai@example.org"))
    assert f"https://phananh.example.vn/track?code={code}" in body


def test_the_worker_holds_a_case_for_the_configured_lease(factory, db_engine, clock):
    short = make_session_factory(db_engine, Settings(timer_lease_seconds=42))
    drive = CaseDriver(short, clock)
    case_id = drive.report()
    at = clock.now() + timedelta(days=30)  # the screening deadline has long passed
    with transaction(short) as session:
        assert timers.lease(session, timers.due_case_ids(session, at, 10), "worker-a", at) == [case_id]
    with transaction(short) as session:
        assert session.get(Case, case_id).lease_expires_at == at + timedelta(seconds=42)
        assert timers.lease(session, [case_id], "worker-b", at + timedelta(seconds=41)) == []
        assert timers.lease(session, [case_id], "worker-b", at + timedelta(seconds=43)) == [case_id]
