"""process drafts: diagrams being edited in the studio

Revision ID: 20261125_0004
Revises: 20261125_0003
Create Date: 2026-11-25 09:25:51.819856
"""
from alembic import op
import sqlalchemy as sa



revision = '20261125_0004'
down_revision = '20261125_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('process_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=100), nullable=False),
    sa.Column('bundle', sa.JSON(), nullable=False),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['based_on_id'], ['process_versions.id'], name=op.f('fk_process_drafts_based_on_id_process_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_drafts'))
    )


def downgrade() -> None:
    op.drop_table('process_drafts')
