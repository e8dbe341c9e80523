"""review summary: review_passes (each completed task and fired timer with its element, the case's previous pass
of it, the wait and the rework loop) and review_case_days (each local day a case had an event, with its previous
one), kept on write for the quarterly review of the procedure and filled here from the event log; the review
no longer reads case_events, so its covering index ix_case_events_review goes

Revision ID: 20261130_0024
Revises: 20261130_0023
Create Date: 2026-11-30 01:00:00
"""
from alembic import op
import sqlalchemy as sa

from engine import review_summary


revision = '20261130_0024'
down_revision = '20261130_0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'review_passes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('element', sa.String(length=100), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('prev_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('wait_seconds', sa.Float(), nullable=True),
        sa.Column('loop_taken', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_review_passes_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_passes')),
    )
    op.create_table(
        'review_case_days',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('prev_day', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_review_case_days_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', 'day', name=op.f('pk_review_case_days')),
    )
    review_summary.rebuild(op.get_bind(), pending_column=False)  # before the indexes: one sort each instead of row-by-row upkeep
    op.create_index('ix_review_passes_period', 'review_passes',
                    ['element', 'at', 'case_id', 'prev_at', 'loop_taken', 'wait_seconds'])
    op.create_index('ix_review_passes_case', 'review_passes', ['case_id', 'element', 'at'])
    op.create_index('ix_review_case_days_day', 'review_case_days', ['day', 'prev_day', 'case_id'])
    op.drop_index('ix_case_events_review', table_name='case_events')


def downgrade() -> None:
    op.create_index('ix_case_events_review', 'case_events',
                    ['at', 'kind', 'element', 'task_name', 'case_id', 'wait_seconds'])
    op.drop_index('ix_review_case_days_day', table_name='review_case_days')
    op.drop_table('review_case_days')
    op.drop_index('ix_review_passes_case', table_name='review_passes')
    op.drop_index('ix_review_passes_period', table_name='review_passes')
    op.drop_table('review_passes')
