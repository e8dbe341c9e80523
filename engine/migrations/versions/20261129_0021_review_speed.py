"""case_events (at, kind, case_id): the quarterly review of the procedure reads a period's events by time and kind

Revision ID: 20261129_0021
Revises: 20261129_0011
Create Date: 2026-11-29 23:00:00
"""
from alembic import op


revision = '20261129_0021'
down_revision = '20261129_0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_at_kind', ['at', 'kind', 'case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_at_kind')
