"""planning and plan revisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

from models.migrations.append_only import append_only, drop_append_only


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('plan_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=64), nullable=False),
    sa.Column('point_key', sa.String(length=64), nullable=False),
    sa.Column('old_date', sa.Date(), nullable=False),
    sa.Column('new_date', sa.Date(), nullable=False),
    sa.Column('cause', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_plan_revisions_programme_id_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_revisions'))
    )
    with op.batch_alter_table('plan_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_revisions_programme_id'), ['programme_id'], unique=False)

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planning', sa.JSON(), nullable=True))




    append_only("plan_revisions")


def downgrade() -> None:
    drop_append_only("plan_revisions")

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('planning')

    with op.batch_alter_table('plan_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_revisions_programme_id'))

    op.drop_table('plan_revisions')

