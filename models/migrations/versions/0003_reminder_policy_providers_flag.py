"""reminder policy, providers flag

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table('decision_points', schema=None) as batch_op:
        batch_op.add_column(sa.Column('providers', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_policy', sa.JSON(), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('reminder_policy')

    with op.batch_alter_table('decision_points', schema=None) as batch_op:
        batch_op.drop_column('providers')


