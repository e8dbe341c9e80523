"""case_events.review_pending: the procedure review's summary is made by the timer worker from the events a step
wrote, not by the step itself (engine/review_summary.py); older events are already in it (NULL: not pending)

Revision ID: 20261130_0028
Revises: 20261130_0027
Create Date: 2026-11-30 05:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261130_0028'
down_revision = '20261130_0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('case_events', sa.Column('review_pending', sa.Boolean(), nullable=True))
    pending = sa.text('review_pending IS true') if op.get_bind().dialect.name == 'postgresql' \
        else sa.text('review_pending IS 1')
    op.create_index('ix_case_events_review_pending', 'case_events', ['id'],
                    postgresql_where=pending, sqlite_where=pending)


def downgrade() -> None:
    op.drop_index('ix_case_events_review_pending', table_name='case_events')
    with op.batch_alter_table('case_events') as batch:
        batch.drop_column('review_pending')
