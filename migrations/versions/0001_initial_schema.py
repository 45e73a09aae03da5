"""Initial schema: users, invites, access audit, projects (+ stages, capital), meetings
(+ history, follow-up reminders), key-value store.

Date-times are timestamptz on PostgreSQL and naive-UTC DATETIME on SQLite (see
promo.store.tables.UTCDateTime); the migration uses plain sa types so it never depends on live code.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 12:06:12.065931
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('access_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.BigInteger(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target_user_id', sa.BigInteger(), nullable=True),
    sa.Column('invite_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_audit'))
    )
    with op.batch_alter_table('access_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_audit_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_audit_target_user_id'), ['target_user_id'], unique=False)

    op.create_table('invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invites')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_invites_code_hash'))
    )
    op.create_table('kv',
    sa.Column('namespace', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('namespace', 'key', name=op.f('pk_kv'))
    )
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('company_id', sa.String(length=48), nullable=True),
    sa.Column('company_key', sa.String(length=200), nullable=True),
    sa.Column('chain_ids', sa.JSON(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('contact_date', sa.Date(), nullable=True),
    sa.Column('signed_date', sa.Date(), nullable=True),
    sa.Column('registered_date', sa.Date(), nullable=True),
    sa.Column('started_date', sa.Date(), nullable=True),
    sa.Column('domestic_agreed_yuan', sa.BigInteger(), nullable=False),
    sa.Column('foreign_agreed_yuan', sa.BigInteger(), nullable=False),
    sa.Column('domestic_in_place_yuan', sa.BigInteger(), nullable=False),
    sa.Column('foreign_in_place_yuan', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_company_key'), ['company_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_unit'), ['unit'], unique=False)

    op.create_table('users',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_users'))
    )
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('logged_by', sa.BigInteger(), nullable=False),
    sa.Column('logged_by_name', sa.String(length=128), nullable=True),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('company_id', sa.String(length=48), nullable=True),
    sa.Column('company_key', sa.String(length=200), nullable=True),
    sa.Column('person', sa.String(length=200), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('chain_ids', sa.JSON(), nullable=False),
    sa.Column('topic', sa.Text(), nullable=True),
    sa.Column('amount_yuan', sa.BigInteger(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=8), nullable=True),
    sa.Column('amount_kind', sa.String(length=16), nullable=True),
    sa.Column('stage', sa.String(length=16), nullable=True),
    sa.Column('next_step', sa.Text(), nullable=True),
    sa.Column('followup_date', sa.Date(), nullable=True),
    sa.Column('followup_done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('followup_done_by', sa.BigInteger(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('raw', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by', sa.BigInteger(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_meetings_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_company_key'), ['company_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_followup_date'), ['followup_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_logged_by'), ['logged_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_meetings_unit_date', ['unit', 'meeting_date'], unique=False)

    op.create_table('project_capital',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('measure', sa.String(length=16), nullable=False),
    sa.Column('old_yuan', sa.BigInteger(), nullable=False),
    sa.Column('new_yuan', sa.BigInteger(), nullable=False),
    sa.Column('delta_yuan', sa.BigInteger(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('changed_by', sa.BigInteger(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_capital_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_capital'))
    )
    with op.batch_alter_table('project_capital', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_capital_as_of'), ['as_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_capital_project_id'), ['project_id'], unique=False)

    op.create_table('project_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('from_stage', sa.String(length=16), nullable=True),
    sa.Column('to_stage', sa.String(length=16), nullable=False),
    sa.Column('stage_date', sa.Date(), nullable=False),
    sa.Column('correction', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('changed_by', sa.BigInteger(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_stages_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_stages'))
    )
    with op.batch_alter_table('project_stages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_stages_project_id'), ['project_id'], unique=False)

    op.create_table('followup_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('remind_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_followup_reminders_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_reminders')),
    sa.UniqueConstraint('meeting_id', 'remind_at', name='uq_followup_reminders_meeting_at')
    )
    op.create_table('meeting_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('changed_by', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_history_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_history'))
    )
    with op.batch_alter_table('meeting_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_history_meeting_id'), ['meeting_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('meeting_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_history_meeting_id'))

    op.drop_table('meeting_history')
    op.drop_table('followup_reminders')
    with op.batch_alter_table('project_stages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_stages_project_id'))

    op.drop_table('project_stages')
    with op.batch_alter_table('project_capital', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_capital_project_id'))
        batch_op.drop_index(batch_op.f('ix_project_capital_as_of'))

    op.drop_table('project_capital')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_unit_date')
        batch_op.drop_index(batch_op.f('ix_meetings_project_id'))
        batch_op.drop_index(batch_op.f('ix_meetings_logged_by'))
        batch_op.drop_index(batch_op.f('ix_meetings_followup_date'))
        batch_op.drop_index(batch_op.f('ix_meetings_company_key'))
        batch_op.drop_index(batch_op.f('ix_meetings_company_id'))

    op.drop_table('meetings')
    op.drop_table('users')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_unit'))
        batch_op.drop_index(batch_op.f('ix_projects_company_key'))
        batch_op.drop_index(batch_op.f('ix_projects_company_id'))

    op.drop_table('projects')
    op.drop_table('kv')
    op.drop_table('invites')
    with op.batch_alter_table('access_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_audit_target_user_id'))
        batch_op.drop_index(batch_op.f('ix_access_audit_at'))

    op.drop_table('access_audit')
