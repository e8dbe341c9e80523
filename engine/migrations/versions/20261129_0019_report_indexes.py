"""indexes for reports: cases by receipt, deadline, publication and open status; case events by kind, task and time

Revision ID: 20261129_0019
Revises: 20261129_0011
Create Date: 2026-11-29 22:00:00
"""
from alembic import op


revision = '20261129_0019'
down_revision = '20261129_0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cases_received_at', 'cases',
                    ['received_at', 'level', 'category', 'ward', 'handling_unit', 'source'])
    op.create_index('ix_cases_deadline_at', 'cases', ['deadline_at'])
    op.create_index('ix_cases_published_at', 'cases', ['published_at'])
    op.create_index('ix_cases_status_deadline', 'cases', ['status', 'deadline_at', 'level', 'ward', 'overdue'])
    op.create_index('ix_case_events_kind_task_at', 'case_events', ['kind', 'task_name', 'at'])


def downgrade() -> None:
    op.drop_index('ix_case_events_kind_task_at', table_name='case_events')
    op.drop_index('ix_cases_status_deadline', table_name='cases')
    op.drop_index('ix_cases_published_at', table_name='cases')
    op.drop_index('ix_cases_deadline_at', table_name='cases')
    op.drop_index('ix_cases_received_at', table_name='cases')
