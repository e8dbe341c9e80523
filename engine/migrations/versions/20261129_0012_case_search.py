"""case search: the folded search text of each case (case_search_texts), filled for existing cases; a trigram
index over it (PostgreSQL: pg_trgm when available; SQLite: an FTS5 trigram table kept by triggers); cases
indexed by time received and by handling unit (lists, newest first)

Revision ID: 20261129_0012
Revises: 20261129_0011
Create Date: 2026-11-29 22:00:00
"""
import json

from alembic import op
import sqlalchemy as sa

from engine import search_text


revision = '20261129_0012'
down_revision = '20261129_0011'
branch_labels = None
depends_on = None

BATCH = 2000
TRIGRAM_INDEX = 'ix_case_search_texts_body_trgm'


def upgrade() -> None:
    op.create_table(
        'case_search_texts',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_search_texts_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_search_texts')),
    )
    _backfill()
    op.create_index('ix_cases_received_at_id', 'cases', ['received_at', 'id'], unique=False)
    op.create_index('ix_cases_handling_unit_received_at', 'cases', ['handling_unit', 'received_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        _trigram_index()
    elif op.get_bind().dialect.name == 'sqlite':
        _fts_table()


def _backfill() -> None:
    """The search text of every existing case, in batches (ids ascending)."""
    bind = op.get_bind()
    cases = sa.table('cases', sa.column('id', sa.Integer), sa.column('code', sa.String),
                     sa.column('report', sa.JSON))
    texts = sa.table('case_search_texts', sa.column('case_id', sa.Integer), sa.column('body', sa.Text))
    last = 0
    while True:
        rows = bind.execute(sa.select(cases.c.id, cases.c.code, cases.c.report).where(cases.c.id > last)
                            .order_by(cases.c.id).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(sa.insert(texts), [
            {'case_id': row.id, 'body': search_text.body(row.code, _report(row.report))} for row in rows])
        last = rows[-1].id


def _report(value):
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _trigram_index() -> None:
    """A GIN trigram index makes `LIKE '%word%'` an index search. Creating the extension needs the right to do
    so; without it (or without the extension) searches scan the narrow table instead — slower, still correct."""
    bind = op.get_bind()
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if not available:
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
    except sa.exc.DBAPIError:
        return
    bind.execute(sa.text(f'CREATE INDEX {TRIGRAM_INDEX} ON case_search_texts USING gin (body gin_trgm_ops)'))


FTS_TABLE = 'case_search_fts'
FTS_TRIGGERS = {
    'case_search_fts_ai': "AFTER INSERT ON case_search_texts BEGIN "
                          "INSERT INTO case_search_fts(rowid, body) VALUES (new.case_id, new.body); END",
    'case_search_fts_ad': "AFTER DELETE ON case_search_texts BEGIN "
                          "INSERT INTO case_search_fts(case_search_fts, rowid, body) "
                          "VALUES ('delete', old.case_id, old.body); END",
    'case_search_fts_au': "AFTER UPDATE ON case_search_texts BEGIN "
                          "INSERT INTO case_search_fts(case_search_fts, rowid, body) "
                          "VALUES ('delete', old.case_id, old.body); "
                          "INSERT INTO case_search_fts(rowid, body) VALUES (new.case_id, new.body); END",
}


def _fts_table() -> None:
    """SQLite's trigram full-text index (FTS5, SQLite 3.34+) over the search text, as an external-content table
    kept current by triggers. Without FTS5 nothing is made and searches scan the narrow table instead."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(body, content='case_search_texts', "
                                 "content_rowid='case_id', tokenize='trigram')"))
    except sa.exc.DBAPIError:
        return
    for name, body in FTS_TRIGGERS.items():
        bind.execute(sa.text(f'CREATE TRIGGER {name} {body}'))
    bind.execute(sa.text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in FTS_TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute(f'DROP TABLE IF EXISTS {FTS_TABLE}')
    op.execute(f'DROP INDEX IF EXISTS {TRIGRAM_INDEX}')
    op.drop_index('ix_cases_handling_unit_received_at', table_name='cases')
    op.drop_index('ix_cases_received_at_id', table_name='cases')
    op.drop_table('case_search_texts')
