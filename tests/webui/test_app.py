"""The application factory: a test configuration is applied first and keeps the app inside its instance folder."""
from __future__ import annotations

from pathlib import Path

from webui.app import create_app

REPOSITORY_INSTANCE = Path(__file__).resolve().parents[2] / "instance"


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below `folder` with its size and modification time (empty if there is none)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def test_an_app_under_test_writes_nothing_outside_its_temporary_instance_folder(tmp_path, monkeypatch):
    for name in ("RR_INSTANCE_PATH", "SECRET_KEY", "DATABASE_URL", "RR_ATTACHMENTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)  # the default instance folder would be ./instance here
    repository_before = listing(REPOSITORY_INSTANCE)
    instance = tmp_path / "instance"

    app = create_app({"INSTANCE_PATH": str(instance), "TESTING": True})
    page = app.test_client().get("/login")

    assert page.status_code == 200
    assert "Đăng nhập" in page.get_data(as_text=True)  # Vietnamese, from the catalogs compiled just now
    assert (instance / "translations" / "vi" / "LC_MESSAGES" / "messages.mo").is_file()
    assert app.instance_path == str(instance)
    assert app.config["SECRET_KEY"] and not (instance / "secret_key").exists()  # a test key is not stored
    assert list(workdir.iterdir()) == []
    assert listing(REPOSITORY_INSTANCE) == repository_before


def test_an_app_without_a_test_configuration_keeps_its_secret_key_and_catalogs_in_the_instance_folder(
        tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("RR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite3'}")

    first, second = create_app(), create_app()

    assert (tmp_path / "instance" / "secret_key").is_file()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]  # shared by every process and restart
    assert (tmp_path / "instance" / "translations" / "vi" / "LC_MESSAGES" / "messages.mo").is_file()
