"""task documents: PDFs and images staff attach to a task (inspection record, penalty decision)

Revision ID: 20261129_0015
Revises: 20261129_0011
Create Date: 2026-11-29 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '20261129_0015'
down_revision = '20261129_0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('task_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('task_name', sa.String(length=100), nullable=False),
    sa.Column('task_title', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by', sa.String(length=80), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_task_documents_case_id_cases'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_documents')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_task_documents_storage_key'))
    )
    with op.batch_alter_table('task_documents', schema=None) as batch_op:
        batch_op.create_index('ix_task_documents_case_id', ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_task_documents_case_id')
    op.drop_table('task_documents')
