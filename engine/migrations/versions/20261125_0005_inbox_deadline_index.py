"""inbox deadline index: inbox pages read in deadline order straight from an index

Revision ID: 20261125_0005
Revises: 20261125_0004
Create Date: 2026-11-25 10:15:46.922063
"""
from alembic import op
import sqlalchemy as sa



revision = '20261125_0005'
down_revision = '20261125_0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_items_role_due', ['role', 'due_at', 'id', 'unit'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_items_role_due')

