"""reporter messages: what the reporter was told at each step, shown on /track and e-mailed once

Revision ID: 20261129_0006
Revises: 20261125_0005
Create Date: 2026-11-29 19:10:00.000000
"""
from alembic import op
import sqlalchemy as sa



revision = '20261129_0006'
down_revision = '20261125_0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reporter_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=30), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('email_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_reporter_messages_case_id_cases'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['email_id'], ['outbox_emails.id'],
                            name=op.f('fk_reporter_messages_email_id_outbox_emails'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporter_messages')),
    sa.UniqueConstraint('case_id', 'key', name='reporter_message_case_key')
    )


def downgrade() -> None:
    op.drop_table('reporter_messages')
