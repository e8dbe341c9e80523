"""`rapid-response report weekly|quarterly`: the briefing written to a file, read back with openpyxl."""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from webui.cli import main


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("RR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["init-db"], catch_exceptions=False).exit_code == 0
    assert runner.invoke(main, ["seed-demo"], catch_exceptions=False).exit_code == 0
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_the_weekly_report_is_written_as_xlsx_csv_and_html(cli, tmp_path):
    out = tmp_path / "week.xlsx"
    result = cli("report", "weekly", "--period", "2026-W48", "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output and "BÁO CÁO TUẦN 48/2026" in result.output
    sheet = load_workbook(io.BytesIO(out.read_bytes())).worksheets[0]
    assert sheet["A1"].value == "BÁO CÁO TUẦN 48/2026"
    received = next(row[2] for row in sheet.iter_rows(values_only=True) if row[1] == "Số phản ánh tiếp nhận")
    assert isinstance(received, int)
    assert f"{received} received" in result.output
    csv_out, html_out = tmp_path / "q.csv", tmp_path / "q.html"
    assert cli("report", "quarterly", "--period", "2026-Q4", "--format", "csv", "--out", str(csv_out)).exit_code == 0
    assert csv_out.read_bytes().startswith("\ufeffBÁO CÁO QUÝ IV/2026".encode())
    assert cli("report", "quarterly", "--period", "2026-Q4", "--format", "html", "--out", str(html_out),
               "--lang", "en").exit_code == 0
    assert "QUARTERLY REPORT, QUARTER IV/2026" in html_out.read_text(encoding="utf-8")


def test_a_bad_period_or_format_is_a_clear_error(cli, tmp_path):
    out = tmp_path / "x.xlsx"
    result = cli("report", "weekly", "--period", "2026-Q4", "--out", str(out))
    assert result.exit_code == 2 and "--period" in result.output and "2026-W48" in result.output
    assert not out.exists()
    assert cli("report", "weekly", "--period", "2026-W48", "--format", "pdf", "--out", str(out)).exit_code == 2
    assert cli("report", "monthly", "--period", "2026-W48", "--out", str(out)).exit_code == 2


@pytest.mark.parametrize(("name", "reason"), [("missing/week.xlsx", "No such file or directory"),
                                              ("/dev/full", "No space left on device")])
def test_a_file_that_cannot_be_written_is_a_clear_error(cli, tmp_path, name, reason):
    out = tmp_path / name
    if name.startswith("/") and not out.exists():
        pytest.skip(f"no {name} here")
    result = cli("report", "weekly", "--period", "2026-W48", "--out", str(out))
    assert result.exit_code == 1
    assert result.output == f"Error: could not write {out}: {reason}\n"
