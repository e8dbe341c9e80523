"""a covering partial index of the citizens' feedback events for the ratings figures: a period's answers with their
rating and case, read from the index instead of one row of the event log per answer (a quarter has thousands, among
hundreds of thousands of events); left out of the models like the other database-only indexes

Revision ID: 20261130_0030
Revises: 20261130_0029
Create Date: 2026-11-30 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261130_0030'
down_revision = '20261130_0029'
branch_labels = None
depends_on = None

FEEDBACK_INDEX = 'ix_case_events_feedback'  # engine.schema.DATABASE_ONLY_INDEXES
FEEDBACK = sa.text("kind = 'task_completed' AND task_name = 'citizen_feedback'")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':  # the condition's columns lead, so the planner prefers this index
        op.create_index(FEEDBACK_INDEX, 'case_events', ['kind', 'task_name', 'at', 'case_id', 'detail'],
                        sqlite_where=FEEDBACK)
    else:  # json has no B-tree order: carried along, not a key
        op.create_index(FEEDBACK_INDEX, 'case_events', ['at'], postgresql_include=['case_id', 'detail'],
                        postgresql_where=FEEDBACK)


def downgrade() -> None:
    op.drop_index(FEEDBACK_INDEX, table_name='case_events')
