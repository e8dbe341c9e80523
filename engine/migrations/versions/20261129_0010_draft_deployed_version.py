"""draft state: a deployed draft remembers the version it became (and is read-only from then on)

Revision ID: 20261129_0010
Revises: 20261129_0009
Create Date: 2026-11-29 19:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261129_0010'
down_revision = '20261129_0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deployed_version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_process_drafts_deployed_version_id_process_versions'),
                                    'process_versions', ['deployed_version_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_process_drafts_deployed_version_id_process_versions'),
                                 type_='foreignkey')
        batch_op.drop_column('deployed_version_id')
