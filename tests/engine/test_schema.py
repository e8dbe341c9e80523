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
