"""The benchmark is run from the checkout: the application never imports it and the package never ships it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from setuptools.config.setupcfg import read_configuration

ROOT = Path(__file__).resolve().parents[2]


def run_python(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)


def test_the_worker_command_does_not_load_the_benchmark():
    probe = ("import sys; from click.testing import CliRunner; from webui.cli import main; "
             "result = CliRunner().invoke(main, ['worker', '--help']); assert result.exit_code == 0, result.output; "
             "print(sorted(m for m in sys.modules if m == 'bench' or m.startswith('bench.')))")
    done = run_python("-c", probe)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_benchmark_runs_from_the_checkout():
    for args in (["-m", "bench", "--help"], ["-m", "webui.cli", "bench", "--help"]):
        done = run_python(*args)
        assert done.returncode == 0, done.stderr
        assert "--lifecycles" in done.stdout


def test_the_installed_package_leaves_the_benchmark_out():
    packages = read_configuration(ROOT / "setup.cfg")["options"]["packages"]
    assert "engine" in packages and "webui" in packages
    assert [p for p in packages if p == "bench" or p.startswith("bench.")] == []
