"""sign-in failures for the lock-out; Open311 tokens random and bound to the client that submitted

Revision ID: 20261129_0007
Revises: 20261129_0006
Create Date: 2026-11-29 19:10:00.000000

Existing random API tokens stay valid for the client that submitted them (found through the case's source
`open311:<client name>`); the old predictable `idem:<client>:<key>` tokens are not tokens any more.
"""
from alembic import op
import sqlalchemy as sa



revision = '20261129_0007'
down_revision = '20261129_0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('signin_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_failures'))
    )
    with op.batch_alter_table('signin_failures', schema=None) as batch_op:
        batch_op.create_index('ix_signin_failures_ip_at', ['ip', 'at'], unique=False)
        batch_op.create_index('ix_signin_failures_username_at', ['username', 'at'], unique=False)

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('client_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_submissions_token'), ['token'])
        batch_op.create_foreign_key(batch_op.f('fk_submissions_client_id_api_clients'), 'api_clients',
                                    ['client_id'], ['id'], ondelete='CASCADE')

    op.execute(
        "UPDATE submissions SET token = key, client_id = ("
        " SELECT api_clients.id FROM api_clients JOIN cases ON cases.id = submissions.case_id"
        " WHERE cases.source = substr('open311:' || api_clients.name, 1, 40))"
        " WHERE key NOT LIKE 'idem:%' AND length(key) <= 40 AND EXISTS ("
        " SELECT 1 FROM cases WHERE cases.id = submissions.case_id AND cases.source LIKE 'open311:%')"
    )


def downgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submissions_client_id_api_clients'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_submissions_token'), type_='unique')
        batch_op.drop_column('client_id')
        batch_op.drop_column('token')

    with op.batch_alter_table('signin_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_signin_failures_username_at')
        batch_op.drop_index('ix_signin_failures_ip_at')

    op.drop_table('signin_failures')
