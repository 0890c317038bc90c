"""tamper evidence: a hash chain on decisions, transitions and plan revisions; no INSERT OR REPLACE, no TRUNCATE

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa

from models.migrations.append_only import MESSAGE, append_only, drop_append_only


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = {"decisions": ("fingerprint", "lifts_id", "supersedes_id"), "phase_overrides": ("fingerprint",),
          "plan_revisions": ()}


def _backfill(table: str) -> None:
    """Chain the rows already there, oldest first (the triggers are off for this one update)."""
    from models.facts.chain import CHAINED, GENESIS, link
    from models.facts.entities import Decision, PhaseOverride, PlanRevision

    model = {"decisions": Decision, "phase_overrides": PhaseOverride, "plan_revisions": PlanRevision}[table]
    _, columns = CHAINED[model]
    bind = op.get_bind()
    rows = bind.execute(sa.select(model.__table__.c.id, *[model.__table__.c[c] for c in columns])
                        .order_by(model.__table__.c.id)).all()
    previous = GENESIS
    for row in rows:
        previous = link(previous, row, model)
        bind.execute(sa.text(f"UPDATE {table} SET chain = :chain WHERE id = :id"), {"chain": previous, "id": row.id})


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, unique in TABLES.items():
        op.add_column(table, sa.Column('chain', sa.String(length=64), nullable=True))
        drop_append_only(table)
        _backfill(table)
        append_only(table)
        if sqlite:  # INSERT OR REPLACE deletes the row it replaces without firing the DELETE trigger
            clash = " OR ".join(["id = NEW.id"] + [f"(NEW.{c} IS NOT NULL AND {c} = NEW.{c})" for c in unique])
            op.execute(f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                       f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {clash}) "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
        else:
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        if sqlite:
            op.execute(f"DROP TRIGGER {table}_no_replace")
            drop_append_only(table)
            op.execute(f"ALTER TABLE {table} DROP COLUMN chain")
            append_only(table)
        else:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.drop_column(table, 'chain')
