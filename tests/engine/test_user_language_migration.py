"""The migration that gives each user a language (users.lang) goes down and up again on SQLite and PostgreSQL,
keeping every user and their roles; existing users get Vietnamese, and the column takes only "vi", "en" or NULL."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from engine import schema


def _revision_before(engine) -> str:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(schema.alembic_config(engine.url.render_as_string(hide_password=False)))
    [migration] = [s for s in scripts.walk_revisions() if s.path.endswith("_user_language.py")]
    return migration.down_revision


def _users(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT u.username, r.role FROM users u JOIN user_roles r ON r.user_id = u.id "
                                 "ORDER BY u.username, r.role")).all()


def test_the_user_language_migration_goes_down_and_up_keeping_users_and_roles(factory, db_engine):
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE users SET lang = 'en' WHERE username = 'leader'"))
    users = _users(db_engine)
    assert len(users) >= 10
    schema.downgrade(db_engine, _revision_before(db_engine))
    assert "lang" not in {c["name"] for c in inspect(db_engine).get_columns("users")}
    assert _users(db_engine) == users  # the roles are still there (no copy of the table, no cascade)
    schema.upgrade(db_engine)
    assert _users(db_engine) == users
    with db_engine.connect() as conn:
        assert set(conn.scalars(text("SELECT lang FROM users"))) == {"vi"}  # existing users: Vietnamese
    assert schema.differences(db_engine) == []
    for allowed in ("en", None):
        with db_engine.begin() as conn:
            conn.execute(text("UPDATE users SET lang = :lang WHERE username = 'ward'"), {"lang": allowed})
    with pytest.raises(IntegrityError), db_engine.begin() as conn:
        conn.execute(text("UPDATE users SET lang = 'fr' WHERE username = 'ward'"))
