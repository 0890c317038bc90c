"""process rules: the project team, planned reservation lifts, extra meetings, platform dialogue

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('college', 'bestuurders')"
NEW_KINDS = "kind IN ('college', 'bestuurders', 'projectteam')"


def _kinds(condition: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite cannot alter a CHECK constraint; rewrite the table's definition in place (the
        # decisions table refers to this one, so it is not dropped and re-created).
        bind.exec_driver_sql("PRAGMA writable_schema=ON")
        current = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type='table' AND name='governing_bodies'").scalar()
        other = NEW_KINDS if condition == OLD_KINDS else OLD_KINDS
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql=? WHERE type='table' AND name='governing_bodies'",
            (current.replace(other, condition),))
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")
        version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
        bind.exec_driver_sql(f"PRAGMA schema_version={version + 1}")
    else:
        op.drop_constraint(op.f("ck_governing_bodies_kind"), "governing_bodies", type_="check")
        op.create_check_constraint(op.f("ck_governing_bodies_kind"), "governing_bodies", condition)


def upgrade() -> None:
    _kinds(NEW_KINDS)
    # Plain ADD COLUMN (no batch copy): the decisions table keeps its append-only triggers.
    op.add_column('decisions', sa.Column('extra_meeting', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('decisions', sa.Column('reservation_lifted_by', sa.String(length=64), nullable=True))
    op.add_column('decision_points', sa.Column('via_platform', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('decision_points', sa.Column('reservation_lifted_by', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('decision_points', schema=None) as batch_op:
        batch_op.drop_column('reservation_lifted_by')
        batch_op.drop_column('via_platform')
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE decisions DROP COLUMN reservation_lifted_by")
        op.execute("ALTER TABLE decisions DROP COLUMN extra_meeting")
    else:
        op.drop_column('decisions', 'reservation_lifted_by')
        op.drop_column('decisions', 'extra_meeting')
    op.execute("DELETE FROM governing_bodies WHERE kind = 'projectteam'")
    _kinds(OLD_KINDS)
