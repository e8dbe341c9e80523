"""case_events.element and wait_seconds (filled from the detail of existing events) with an index the quarterly
review of the procedure reads a period from alone; notifications about a briefing review (scheduled_run_id) have no case

Revision ID: 20261129_0021
Revises: 20261129_0011
Create Date: 2026-11-29 23:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261129_0021'
down_revision = '20261129_0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('element', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('wait_seconds', sa.Float(), nullable=True))
        batch_op.create_index('ix_case_events_review', ['at', 'kind', 'element', 'task_name', 'case_id',
                                                        'wait_seconds'], unique=False)
    _fill_review_columns()
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_process_version_id_id', ['process_version_id', 'id'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduled_run_id', sa.Integer(), nullable=True))
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_scheduled_run_id_scheduled_runs'), 'scheduled_runs',
                                    ['scheduled_run_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_process_version_id_id')
    op.execute("DELETE FROM notifications WHERE case_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_scheduled_run_id_scheduled_runs'), type_='foreignkey')
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('scheduled_run_id')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_review')
        batch_op.drop_column('wait_seconds')
        batch_op.drop_column('element')


# opened_at as PostgreSQL can cast it (a damaged value stays a pass without a wait)
_ISO = (r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?"
        r"([+-]\d{2}:?\d{2}|Z)?$")


def _fill_review_columns() -> None:
    """What engine/events.py `review_columns` writes for new events, for the events already logged."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE case_events SET element = LEFT(detail::json->>'element', 100) "
                   "WHERE kind = 'timer_fired'")
        op.execute(sa.text("UPDATE case_events SET element = task_name, wait_seconds = CASE "
                           "WHEN detail::json->>'opened_at' ~ :iso THEN GREATEST(0, EXTRACT(EPOCH FROM "
                           "at - CAST(detail::json->>'opened_at' AS timestamptz))) END "
                           "WHERE kind = 'task_completed'").bindparams(iso=_ISO))
    else:
        op.execute("UPDATE case_events SET element = substr(json_extract(detail, '$.element'), 1, 100) "
                   "WHERE kind = 'timer_fired'")
        op.execute("UPDATE case_events SET element = task_name, wait_seconds = max(0, (julianday(at) - "
                   "julianday(json_extract(detail, '$.opened_at'))) * 86400.0) WHERE kind = 'task_completed'")
