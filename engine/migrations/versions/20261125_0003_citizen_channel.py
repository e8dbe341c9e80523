"""citizen channel: idempotent submissions and API tokens, registered API clients, duplicate hints

Revision ID: 20261125_0003
Revises: 20261125_0002
Create Date: 2026-11-25 09:20:02.246541
"""
from alembic import op
import sqlalchemy as sa



revision = '20261125_0003'
down_revision = '20261125_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_clients_key_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_api_clients_name'))
    )
    op.create_table('submissions',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_submissions_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_submissions'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate_of', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=40), nullable=False, server_default='web'))



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('source')
        batch_op.drop_column('duplicate_of')

    op.drop_table('submissions')
    op.drop_table('api_clients')
