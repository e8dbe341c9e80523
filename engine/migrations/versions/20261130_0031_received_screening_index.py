"""the covering index of the cases received in a period also carries their screening time (first Screen completed),
so SQLite reads the dashboard's counts by dimension and the screening times in one pass (engine/report_received.py);
the narrower index of the screening times alone is no longer needed

Revision ID: 20261130_0031
Revises: 20261130_0030
Create Date: 2026-11-30 08:30:00
"""
from alembic import op


revision = '20261130_0031'
down_revision = '20261130_0030'
branch_labels = None
depends_on = None

DIMENSIONS = ['received_at', 'level', 'category', 'ward', 'handling_unit', 'source']


def upgrade() -> None:
    op.drop_index('ix_cases_received_at', table_name='cases')
    op.create_index('ix_cases_received_at', 'cases', [*DIMENSIONS, 'screened_at'])
    op.drop_index('ix_cases_received_at_screened_at', table_name='cases')


def downgrade() -> None:
    op.create_index('ix_cases_received_at_screened_at', 'cases', ['received_at', 'screened_at'])
    op.drop_index('ix_cases_received_at', table_name='cases')
    op.create_index('ix_cases_received_at', 'cases', DIMENSIONS)
