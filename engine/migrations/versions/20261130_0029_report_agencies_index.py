"""SQLite only: a covering index for the reports received per agency — a period's level-3 cases with their list of
agencies, read from the index instead of one table row per case (PostgreSQL's json type has no B-tree order, and
its planner reads these rows by bitmap anyway)

Revision ID: 20261130_0029
Revises: 20261130_0028
Create Date: 2026-11-30 05:00:00
"""
from alembic import op


revision = '20261130_0029'
down_revision = '20261130_0028'
branch_labels = None
depends_on = None

AGENCIES_INDEX = 'ix_cases_level_received_agencies'  # engine.schema.DATABASE_ONLY_INDEXES


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.create_index(AGENCIES_INDEX, 'cases', ['level', 'received_at', 'agencies'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.drop_index(AGENCIES_INDEX, table_name='cases')
