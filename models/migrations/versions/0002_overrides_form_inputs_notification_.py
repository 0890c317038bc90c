"""overrides, form inputs, notification ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

from models.migrations.append_only import append_only, drop_append_only


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ledger_key', sa.String(length=400), nullable=False),
    sa.Column('programme_key', sa.String(length=64), nullable=False),
    sa.Column('event', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=400), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('first_tried_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('ledger_key', name=op.f('uq_notifications_ledger_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_programme_key'), ['programme_key'], unique=False)

    op.create_table('phase_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('to_phase', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('overridden_points', sa.JSON(), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_phase_overrides_programme_id_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phase_overrides')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_phase_overrides_fingerprint'))
    )
    with op.batch_alter_table('phase_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phase_overrides_programme_id'), ['programme_id'], unique=False)

    op.create_table('form_inputs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flow_run_id', sa.String(length=64), nullable=False),
    sa.Column('pause_key', sa.String(length=200), nullable=False),
    sa.Column('programme_key', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_form_inputs_decision_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_inputs')),
    sa.UniqueConstraint('flow_run_id', 'pause_key', name=op.f('uq_form_inputs_flow_run_id_pause_key'))
    )



    append_only("phase_overrides")


def downgrade() -> None:
    drop_append_only("phase_overrides")

    op.drop_table('form_inputs')
    with op.batch_alter_table('phase_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phase_overrides_programme_id'))

    op.drop_table('phase_overrides')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_programme_key'))

    op.drop_table('notifications')

