"""case_events (at, kind, case_id) for the quarterly review of the procedure (a period's events by time and kind);
notifications about a briefing review (scheduled_run_id) have no case

Revision ID: 20261129_0021
Revises: 20261129_0011
Create Date: 2026-11-29 23:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261129_0021'
down_revision = '20261129_0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_at_kind', ['at', 'kind', 'case_id'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduled_run_id', sa.Integer(), nullable=True))
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_scheduled_run_id_scheduled_runs'), 'scheduled_runs',
                                    ['scheduled_run_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE case_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_scheduled_run_id_scheduled_runs'), type_='foreignkey')
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('scheduled_run_id')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_at_kind')
