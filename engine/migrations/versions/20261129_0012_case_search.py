"""case search: the folded search text of each case (case_search_texts), filled for existing cases; on
PostgreSQL a trigram index when pg_trgm is available

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
    if op.get_bind().dialect.name == 'postgresql':
        _trigram_index()


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


def downgrade() -> None:
    op.execute(f'DROP INDEX IF EXISTS {TRIGRAM_INDEX}')
    op.drop_table('case_search_texts')
