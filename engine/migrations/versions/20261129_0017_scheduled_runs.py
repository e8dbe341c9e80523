"""scheduled process instances (the leadership reporting process): one row per briefing, fired by the timer worker

Revision ID: 20261129_0017
Revises: 20261129_0011
Create Date: 2026-11-29 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261129_0017'
down_revision = '20261129_0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduled_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=100), nullable=False),
    sa.Column('process_version_id', sa.Integer(), nullable=False),
    sa.Column('schedule', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('briefing_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('workflow_json', sa.Text(), nullable=False),
    sa.Column('serializer_version', sa.String(length=20), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('next_timer_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=80), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('task_title', sa.String(length=200), nullable=True),
    sa.Column('task_role', sa.String(length=20), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=80), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('waiting', 'open', 'done', 'failed')", name=op.f('ck_scheduled_runs_status')),
    sa.ForeignKeyConstraint(['process_version_id'], ['process_versions.id'],
                            name=op.f('fk_scheduled_runs_process_version_id_process_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_runs')),
    sa.UniqueConstraint('process_id', 'schedule', 'period', name='scheduled_run_period')
    )
    op.create_index('ix_scheduled_runs_next_timer_at', 'scheduled_runs', ['next_timer_at'], unique=False)
    op.create_index('ix_scheduled_runs_status', 'scheduled_runs', ['status', 'process_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_scheduled_runs_status', table_name='scheduled_runs')
    op.drop_index('ix_scheduled_runs_next_timer_at', table_name='scheduled_runs')
    op.drop_table('scheduled_runs')
