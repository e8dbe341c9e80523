"""The schema is managed by migrations, and the migrations agree with the models."""
from sqlalchemy import inspect

from engine import schema
from engine.db import Base, make_engine


def test_migrated_database_matches_the_models(db_engine):
    assert schema.differences(db_engine) == []


def test_migrations_go_down_to_nothing_and_up_again(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    schema.upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    schema.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    schema.upgrade(engine)
    assert schema.differences(engine) == []
    engine.dispose()


def test_the_supervisor_role_can_be_stored_and_unknown_roles_cannot(factory):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from engine.db import transaction
    from engine.models import User, UserRole

    with transaction(factory) as session:
        session.add(User(username="chief2", display_name="Chief", roles=[UserRole(role="supervisor")]))
    with transaction(factory) as session:
        assert session.query(UserRole).filter_by(role="supervisor").count() >= 1
    with pytest.raises(IntegrityError), transaction(factory) as session:
        session.add(User(username="who", display_name="Who", roles=[UserRole(role="superuser")]))


def test_upgrade_says_where_the_database_is_and_refuses_an_unknown_revision(tmp_path):
    import pytest

    from engine.errors import ValidationError

    engine = make_engine(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    assert schema.current(engine) == ()
    head = schema.upgrade(engine)
    assert len(head) == 1 and schema.current(engine) == head
    assert schema.upgrade(engine, "base") == head  # an upgrade never goes back
    with pytest.raises(ValidationError, match="Can't locate revision identified by 'nope'"):
        schema.upgrade(engine, "nope")
    with pytest.raises(ValidationError, match="Relative revision"):
        schema.upgrade(engine, "+1")
    assert schema.current(engine) == head
    engine.dispose()
