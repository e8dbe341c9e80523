"""report milestones on cases: screened_at and handling_started_at (first Screen / Start handling completed), filled
from the event log for existing cases; indexes for the screening and agency figures

Revision ID: 20261129_0022
Revises: 20261129_0019
Create Date: 2026-11-29 23:00:00
"""
from alembic import op
import sqlalchemy as sa

from engine import report_milestones


revision = '20261129_0022'
down_revision = '20261129_0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handling_started_at', sa.DateTime(timezone=True), nullable=True))
    report_milestones.backfill(op.get_bind())
    op.create_index('ix_cases_received_at_screened_at', 'cases', ['received_at', 'screened_at'])
    op.create_index('ix_cases_level_received_at', 'cases', ['level', 'received_at'])


def downgrade() -> None:
    op.drop_index('ix_cases_level_received_at', table_name='cases')
    op.drop_index('ix_cases_received_at_screened_at', table_name='cases')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('handling_started_at')
        batch_op.drop_column('screened_at')
