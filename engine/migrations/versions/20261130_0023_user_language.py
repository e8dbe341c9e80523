"""users.lang: each staff member's language ("vi" or "en"; NULL = the department's default), for their pages from
sign-in on and for their e-mails; existing users get "vi"

Revision ID: 20261130_0023
Revises: 20261129_0022
Create Date: 2026-11-30 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261130_0023'
down_revision = '20261129_0022'
branch_labels = None
depends_on = None

CHECK = "lang IS NULL OR lang IN ('vi', 'en')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place, with the check on the column: a batch copy of `users` would drop the table, and with foreign
        # keys on that deletes every user's roles (user_roles cascades).
        op.execute("ALTER TABLE users ADD COLUMN lang VARCHAR(2) DEFAULT 'vi' "
                   f"CONSTRAINT ck_users_lang CHECK ({CHECK})")
    else:
        op.add_column('users', sa.Column('lang', sa.String(length=2), server_default='vi', nullable=True))
        op.create_check_constraint(op.f('ck_users_lang'), 'users', CHECK)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f('ck_users_lang'), 'users', type_='check')
    op.drop_column('users', 'lang')  # SQLite ≥ 3.35 drops a column in place, its own check with it
