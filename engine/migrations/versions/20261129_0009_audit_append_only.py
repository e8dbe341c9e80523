"""audit log append-only; reporter contact erasure

The audit log can only grow: triggers refuse UPDATE and DELETE of its rows (and TRUNCATE on PostgreSQL), so
neither the application nor a mistaken query can rewrite what was recorded. Indexes serve the
administrators' audit page (newest first, by kind). Cases get `contact_erased_at`, set when the reporter's
contact is erased after the retention period, and an index on `closed_at` for finding the cases due.

Revision ID: 20261129_0009
Revises: 20261129_0008
Create Date: 2026-11-29 19:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261129_0009'
down_revision = '20261129_0008'
branch_labels = None
depends_on = None

REFUSED = "audit_log is append-only"
SQLITE_TRIGGERS = {
    "audit_log_no_update": f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                           f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
    "audit_log_no_delete": f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                           f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
}
POSTGRES_FUNCTION = f"""
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{REFUSED}' USING ERRCODE = 'insufficient_privilege';
END $$
"""
POSTGRES_TRIGGERS = {
    "audit_log_no_change": "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
                           "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "audit_log_no_truncate": "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                             "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
}


def upgrade() -> None:
    op.create_index('ix_audit_log_at', 'audit_log', ['at', 'id'], unique=False)
    op.create_index('ix_audit_log_kind_at', 'audit_log', ['kind', 'at'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_erased_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_cases_closed_at', 'cases', ['closed_at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for ddl in POSTGRES_TRIGGERS.values():
            op.execute(ddl)
    else:
        for ddl in SQLITE_TRIGGERS.values():
            op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index('ix_cases_closed_at', table_name='cases')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('contact_erased_at')
    op.drop_index('ix_audit_log_kind_at', table_name='audit_log')
    op.drop_index('ix_audit_log_at', table_name='audit_log')
