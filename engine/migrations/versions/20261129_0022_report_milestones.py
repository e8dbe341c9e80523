"""report milestones on cases: screened_at and handling_started_at (first Screen / Start handling completed), filled
from the event log for existing cases; agency_answers (each agency's acknowledgement and contribution with the
start of handling), filled from the event log; covering indexes for the
screening, agency, deadline and time-to-result figures

Revision ID: 20261129_0022
Revises: 20261129_0019
Create Date: 2026-11-29 23:00:00
"""
from alembic import op
import sqlalchemy as sa

from engine import report_milestones


revision = '20261129_0022'
down_revision = '20261129_0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handling_started_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'agency_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('task_name', sa.String(length=100), nullable=False),
        sa.Column('agency', sa.String(length=40), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_agency_answers_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_answers')),
    )
    op.create_index('ix_agency_answers_at', 'agency_answers', ['at', 'task_name', 'agency', 'started_at', 'case_id'])
    report_milestones.backfill(op.get_bind())
    op.create_index('ix_cases_received_at_screened_at', 'cases', ['received_at', 'screened_at'])
    op.create_index('ix_cases_level_received_at', 'cases', ['level', 'received_at'])
    op.drop_index('ix_cases_deadline_at', table_name='cases')
    op.drop_index('ix_cases_published_at', table_name='cases')
    op.create_index('ix_cases_deadline_report', 'cases', ['deadline_at', 'level', 'status', 'published_at', 'overdue'])
    op.create_index('ix_cases_published_report', 'cases', ['published_at', 'received_at', 'level'])


def downgrade() -> None:
    op.drop_index('ix_agency_answers_at', table_name='agency_answers')
    op.drop_table('agency_answers')
    op.drop_index('ix_cases_level_received_at', table_name='cases')
    op.drop_index('ix_cases_published_report', table_name='cases')
    op.drop_index('ix_cases_deadline_report', table_name='cases')
    op.create_index('ix_cases_deadline_at', 'cases', ['deadline_at'])
    op.create_index('ix_cases_published_at', 'cases', ['published_at'])
    op.drop_index('ix_cases_received_at_screened_at', table_name='cases')
    op.drop_column('cases', 'handling_started_at')  # SQLite ≥ 3.35 drops a column in place (no table copy)
    op.drop_column('cases', 'screened_at')
