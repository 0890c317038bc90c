"""spend per municipality

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table('segments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('spend_2023_by_municipality', sa.JSON(), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('segments', schema=None) as batch_op:
        batch_op.drop_column('spend_2023_by_municipality')


