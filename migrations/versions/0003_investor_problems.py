"""Investor problems (issue 13): investor_problems and their status history.

Revision ID: 0003
Revises: 0002_bureau
Create Date: 2026-12-03 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002_bureau'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('investor_problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=48), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('company_id', sa.String(length=48), nullable=True),
    sa.Column('project_ref', sa.String(length=48), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('chain_ids', sa.JSON(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('reported_by', sa.BigInteger(), nullable=True),
    sa.Column('reporter_unit', sa.String(length=64), nullable=True),
    sa.Column('raw', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('solved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_investor_problems_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investor_problems')),
    sa.UniqueConstraint('ref', name=op.f('uq_investor_problems_ref'))
    )
    with op.batch_alter_table('investor_problems', schema=None) as batch_op:
        for col in ('company_id', 'project_ref', 'project_id', 'unit', 'deadline', 'status'):
            batch_op.create_index(batch_op.f(f'ix_investor_problems_{col}'), [col], unique=False)
    op.create_table('investor_problem_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('changed_by', sa.BigInteger(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['problem_id'], ['investor_problems.id'],
                            name=op.f('fk_investor_problem_history_problem_id_investor_problems')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investor_problem_history'))
    )
    with op.batch_alter_table('investor_problem_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_investor_problem_history_problem_id'), ['problem_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('investor_problem_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_investor_problem_history_problem_id'))
    op.drop_table('investor_problem_history')
    with op.batch_alter_table('investor_problems', schema=None) as batch_op:
        for col in ('status', 'deadline', 'unit', 'project_id', 'project_ref', 'company_id'):
            batch_op.drop_index(batch_op.f(f'ix_investor_problems_{col}'))
    op.drop_table('investor_problems')
