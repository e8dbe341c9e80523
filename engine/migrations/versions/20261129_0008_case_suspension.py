"""case suspension: administrators can suspend a runaway case (no timers, no completions) with a reason

Revision ID: 20261129_0008
Revises: 20261129_0007
Create Date: 2026-11-29 19:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261129_0008'
down_revision = '20261129_0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('suspend_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('suspend_reason')
        batch_op.drop_column('suspended')
