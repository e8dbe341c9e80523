"""the reason of a case's last error as a message code (cases.last_error_message), so that the incidents page
shows it in the reader's language

Revision ID: 20261130_0026
Revises: 20261130_0024
Create Date: 2026-11-30 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261130_0026'
down_revision = '20261130_0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cases', sa.Column('last_error_message', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('cases', 'last_error_message')  # SQLite ≥ 3.35 drops a column in place (no table copy)
