"""A tiny run of `rapid-response bench`: every measurement is made and lands in the JSON as a number."""
from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from bench.cli import bench
from tests.conftest import PG_URL, require_postgres

# Its own database next to the test database (named after it, so that two test runs with their own test
# databases never share it): the benchmark empties the database it is given.
_TEST_DB = make_url(PG_URL)
BENCH_PG_URL = _TEST_DB.set(database=f"{_TEST_DB.database}_bench_smoke").render_as_string(hide_password=False)
TINY = ["--cases", "20", "--open", "10", "--waiting", "20", "--due", "2", "--lifecycles", "2", "--queries", "5",
        "--lateness-cases", "3", "--poll", "0.1", "--http-seconds", "2", "--clients", "2", "--http-workers", "2",
        "--http-threads", "2"]
SECTIONS = {
    "lifecycle": ["persisted_ms", "floor_ms", "over_floor", "ratio", "review_catch_up_ms"],
    "inbox": ["ward_p50_ms", "ward_p95_ms", "intake_p95_ms", "inspectorate_p95_ms"],
    "timers": ["idle_small_p95_ms", "idle_large_p95_ms", "idle_growth", "due_sweep_s", "due_per_case_ms"],
    "lateness": ["p50_s", "p99_s"],
    "reports": ["dashboard_week_p95_ms", "dashboard_busy_week_p95_ms", "dashboard_quarter_p95_ms",
                "weekly_briefing_p95_ms", "risk_table_p95_ms", "drill_down_late_week_p95_ms"],
    "search": ["text_filters_p95_ms", "common_word_p95_ms", "ward_text_p95_ms", "export_p95_ms",
               "export_xlsx_file_p95_ms", "export_csv_file_p95_ms"],
    "review": ["quarter_p95_ms", "week_p95_ms", "summary_rebuild_s"],
}
HTTP = ["completions_per_s", "cpu_ms_per_completion", "busiest_worker_share", "p50_ms", "p95_ms", "post_p95_ms",
        "conflicts_409", "errors"]


def expected_keys(backends: list[str], http: bool) -> list[str]:
    keys = ["lifecycle.memory.mean_ms"]
    keys += [f"{section}.{backend}.{name}" for backend in backends for section, names in SECTIONS.items()
             for name in names]
    return keys + ([f"http.postgresql.{name}" for name in HTTP] if http else [])


def run_bench(tmp_path, *args: str) -> dict:
    out = tmp_path / "results.json"
    result = CliRunner().invoke(bench, [*TINY, "--json", str(out), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "measurement" in result.output and "target" in result.output  # the table was printed
    return json.loads(out.read_text(encoding="utf-8"))


def assert_numeric(data: dict, keys: list[str]) -> None:
    measurements = data["measurements"]
    assert sorted(measurements) == sorted(keys)
    for key in keys:
        value = measurements[key]["value"]
        assert isinstance(value, int | float) and math.isfinite(value), (key, value)
        assert measurements[key]["verdict"] in ("met", "MISSED", "info"), key
        if measurements[key]["target"] is not None:
            assert isinstance(measurements[key]["ratio"], float), key


def test_a_tiny_run_on_sqlite_measures_everything_but_http(tmp_path):
    data = run_bench(tmp_path, "--skip-postgres")
    assert_numeric(data, expected_keys(["sqlite"], http=False))
    assert data["machine"]["cores"] and data["machine"]["sqlite"]
    assert data["details"]["timers"]["sqlite"]["due_sweep"]["fired"] == 2


@pytest.mark.postgres
def test_a_tiny_run_on_sqlite_and_postgresql_measures_everything(tmp_path):
    require_postgres("benchmark smoke run on PostgreSQL")
    data = run_bench(tmp_path, "--postgres-url", BENCH_PG_URL)
    assert_numeric(data, expected_keys(["sqlite", "postgresql"], http=True))
    http = data["details"]["http"]
    assert http["completions"] > 0 and http["errors"] == 0
    assert http["screens_recorded_in_db"] == http["completions"] + http["warmup_completions"]
    assert http["workers_ready_before_clients"] == 2  # the clients did not all land on the first worker up
    assert len(http["worker_cpu_shares"]) == 2 and 0 < sum(http["worker_cpu_shares"]) <= 1


def test_only_the_lifecycle_against_its_floor(tmp_path):
    """`--only lifecycle`: persisted and floor side by side, their ratio in `lifecycle.<database>`."""
    data = run_bench(tmp_path, "--skip-postgres", "--only", "lifecycle")
    assert_numeric(data, ["lifecycle.memory.mean_ms"] + [f"lifecycle.sqlite.{name}" for name in SECTIONS["lifecycle"]])
    summary = data["lifecycle"]["sqlite"]
    assert summary["persisted_ms"] > 0 and summary["floor_ms"] > 0
    assert summary["over_floor"] == pytest.approx(summary["persisted_ms"] / summary["floor_ms"])
    statements = data["details"]["lifecycle"]["sqlite"]["statements_per_lifecycle"]
    assert 0 < statements["floor"] < statements["persisted"]
    assert "timers" not in data["details"] and "inbox" not in data["details"]


@pytest.mark.parametrize("option", ["--json", "--markdown"])
def test_an_output_file_that_cannot_be_written_is_refused_before_the_run(tmp_path, option):
    """A run takes minutes: an output that could not be written is an error at once, not after the measurements
    (a missing folder is made, as `make bench` needs for bench/out; a file where a folder should be is not)."""
    (tmp_path / "file").write_text("a file where a folder should be", encoding="utf-8")
    target = tmp_path / "file" / "deeper" / "out"
    args = [*TINY, "--skip-postgres", option, str(target)]
    if option == "--markdown":
        args += ["--json", str(tmp_path / "results.json")]
    result = CliRunner().invoke(bench, args)
    assert result.exit_code == 1
    assert result.output == f"Error: could not write {target}: Not a directory\n"  # nothing was measured
    assert not (tmp_path / "results.json").exists()
