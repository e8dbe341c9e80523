"""units as official data: national code, division type (phường/xã/đặc khu), contact e-mail, active flag, merge target

Revision ID: 20261129_0011
Revises: 20261129_0010
Create Date: 2026-11-29 20:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261129_0011'
down_revision = '20261129_0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('official_code', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('division', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('merged_into', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_units_official_code'), ['official_code'])
        batch_op.create_foreign_key(batch_op.f('fk_units_merged_into_units'), 'units', ['merged_into'], ['code'])
        batch_op.create_check_constraint(
            'division', "division IS NULL OR division IN ('ward', 'commune', 'special_zone')")


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_units_division'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_units_merged_into_units'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_units_official_code'), type_='unique')
        batch_op.drop_column('merged_into')
        batch_op.drop_column('active')
        batch_op.drop_column('email')
        batch_op.drop_column('division')
        batch_op.drop_column('official_code')
