"""cache_versions: a token per kind of data that web processes keep a copy of (the units list), replaced in the
same transaction as the data

Revision ID: 20261130_0027
Revises: 20261130_0026
Create Date: 2026-11-30 01:30:00
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '20261130_0027'
down_revision = '20261130_0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'cache_versions',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions')),
    )
    op.bulk_insert(table, [{'name': 'units', 'token': secrets.token_hex(16)}])


def downgrade() -> None:
    op.drop_table('cache_versions')
