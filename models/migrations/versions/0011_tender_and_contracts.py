"""the tender and the contracts: offers and their assessment per lot, the tender's steps per lot
(award, letters, standstill, objection, signing, award notice), the contracts' terms, points outside the
phase gates (contract options), and who does a step's work

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa

from models.facts.base import UTCDateTime
from models.migrations.append_only import MESSAGE, append_only, drop_append_only


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ("offer_imports", "offers", "tender_records")
# What a new row may not clash with (SQLite's INSERT OR REPLACE would delete the row it clashes with).
UNIQUE = {
    "offer_imports": "(programme_id = NEW.programme_id AND stage = NEW.stage AND content_sha256 = NEW.content_sha256)",
    "offers": "(import_id = NEW.import_id AND lot_key = NEW.lot_key AND provider = NEW.provider)",
    "tender_records": "fingerprint = NEW.fingerprint",
}


def upgrade() -> None:
    op.add_column('programmes', sa.Column('tender', sa.JSON(), nullable=True))
    op.add_column('programmes', sa.Column('contracts', sa.JSON(), nullable=True))
    op.add_column('programmes', sa.Column('follows', sa.String(length=64), nullable=True))
    op.add_column('decision_points', sa.Column('owner', sa.String(length=40), nullable=True))
    op.add_column('decision_points', sa.Column('track', sa.String(length=20), nullable=False,
                                               server_default='programme'))
    op.create_table(
        'offer_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('file_name', sa.String(length=500), nullable=False),
        sa.Column('content_sha256', sa.String(length=64), nullable=False),
        sa.Column('lots', sa.JSON(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('recorded_by', sa.String(length=200), nullable=False),
        sa.Column('recorded_as', sa.String(length=63), nullable=True),
        sa.Column('recorded_at', UTCDateTime(), nullable=False),
        sa.Column('chain', sa.String(length=64), nullable=True),
        sa.CheckConstraint("stage IN ('selection', 'award')", name=op.f('ck_offer_imports_stage')),
        sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_offer_imports_programme_id_programmes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_imports')),
        sa.UniqueConstraint('programme_id', 'stage', 'content_sha256',
                            name=op.f('uq_offer_imports_programme_id_stage_content_sha256')),
    )
    op.create_index(op.f('ix_offer_imports_programme_id'), 'offer_imports', ['programme_id'])
    op.create_table(
        'offers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('row_number', sa.Integer(), nullable=False),
        sa.Column('lot_key', sa.String(length=64), nullable=False),
        sa.Column('provider', sa.String(length=200), nullable=False),
        sa.Column('requirements_met', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['import_id'], ['offer_imports.id'], name=op.f('fk_offers_import_id_offer_imports')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offers')),
        sa.UniqueConstraint('import_id', 'lot_key', 'provider', name=op.f('uq_offers_import_id_lot_key_provider')),
    )
    op.create_index(op.f('ix_offers_import_id'), 'offers', ['import_id'])
    op.create_table(
        'tender_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('lot_key', sa.String(length=64), nullable=False),
        sa.Column('event', sa.String(length=30), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by', sa.String(length=200), nullable=False),
        sa.Column('recorded_as', sa.String(length=63), nullable=True),
        sa.Column('recorded_at', UTCDateTime(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('chain', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_tender_records_programme_id_programmes')),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_tender_records_decision_id_decisions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_records')),
        sa.UniqueConstraint('fingerprint', name=op.f('uq_tender_records_fingerprint')),
    )
    op.create_index(op.f('ix_tender_records_programme_id'), 'tender_records', ['programme_id'])
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, unique in UNIQUE.items():
        append_only(table)
        if sqlite:  # INSERT OR REPLACE deletes the row it replaces without firing the DELETE trigger
            clash = f"id = NEW.id OR {unique}"
            op.execute(f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                       f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {clash}) "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
        else:
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")
    if op.get_bind().dialect.name == "postgresql":
        for table in ("offer_imports", "tender_records"):
            op.execute(f"CREATE TRIGGER {table}_recorded_by_server BEFORE INSERT ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION regie_recorded_by_server()")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (true)")
            # the project team (and the service, and an open register) records the tender's steps
            op.execute(f"""
                CREATE POLICY {table}_record ON {table} FOR INSERT WITH CHECK (
                    ({table}.recorded_as = current_user)
                    AND (NOT EXISTS (SELECT 1 FROM people) OR EXISTS (
                        SELECT 1 FROM people p WHERE p.login = {table}.recorded_as AND p.active
                          AND p.name = {table}.recorded_by AND p.role IN ('projectteam', 'programmabureau'))))""")
        # The standstill ends by itself: the service that runs the sweep (a programmabureau person) confirms
        # the point `standstill` in its own name; no other decision can come in this way.
        op.execute("""
            CREATE POLICY decisions_standstill ON decisions FOR INSERT WITH CHECK (
                decisions.via = 'regie' AND decisions.recorded_as = current_user
                AND EXISTS (SELECT 1 FROM people s WHERE s.login = current_user AND s.active
                            AND s.role = 'programmabureau' AND s.name = decisions.recorded_by)
                AND EXISTS (SELECT 1 FROM governing_bodies b WHERE b.id = decisions.body_id AND b.kind = 'projectteam')
                AND EXISTS (SELECT 1 FROM decision_points p WHERE p.id = decisions.decision_point_id
                            AND p.key = 'standstill')
                AND decisions.supersedes_id IS NULL AND decisions.lifts_id IS NULL)""")
        # an offer row belongs to an import of the same login: nobody slips rows into another's import
        op.execute("ALTER TABLE offers ENABLE ROW LEVEL SECURITY")
        op.execute("CREATE POLICY offers_read ON offers FOR SELECT USING (true)")
        # ... and only the import this very session just made (its sequence's current value)
        op.execute("CREATE POLICY offers_record ON offers FOR INSERT WITH CHECK (EXISTS (SELECT 1 FROM offer_imports i "
                   "WHERE i.id = offers.import_id AND i.recorded_as = current_user "
                   "AND i.id = currval(pg_get_serial_sequence('offer_imports', 'id'))))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS decisions_standstill ON decisions")
        op.execute("DROP POLICY IF EXISTS offers_record ON offers")
        op.execute("DROP POLICY IF EXISTS offers_read ON offers")
        for table in ("offer_imports", "tender_records"):
            op.execute(f"DROP POLICY IF EXISTS {table}_record ON {table}")
            op.execute(f"DROP POLICY IF EXISTS {table}_read ON {table}")
            op.execute(f"DROP TRIGGER {table}_recorded_by_server ON {table}")
    for table in reversed(TABLES):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER {table}_no_replace")
        else:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        drop_append_only(table)
        op.drop_table(table)
    op.drop_column('decision_points', 'track')
    op.drop_column('decision_points', 'owner')
    op.drop_column('programmes', 'follows')
    op.drop_column('programmes', 'contracts')
    op.drop_column('programmes', 'tender')
