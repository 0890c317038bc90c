"""identity: people and their roles, the verified login on every written row, and on PostgreSQL the
server's own checks (the login is the database role, the time is the server's, row level security)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa

from models.facts.base import UTCDateTime


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

RECORDED = ("decisions", "phase_overrides", "plan_revisions")

# May the login that wrote the row (recorded_as) write it? Where the row came in through a form, the
# service (a programmabureau person) writes on behalf of the person its one-time code proved.
_ACTOR_OK = """(
    {table}.recorded_as = current_user
    OR ({form} AND EXISTS (SELECT 1 FROM people s WHERE s.login = current_user AND s.active
                          AND s.role = 'programmabureau'))
)"""
_OPEN = "NOT EXISTS (SELECT 1 FROM people)"  # a register without people: one user, no roles yet


def upgrade() -> None:
    op.create_table(
        'people',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('login', sa.String(length=63), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('body_slug', sa.String(length=64), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('added_by', sa.String(length=63), nullable=False),
        sa.Column('added_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('secretaris', 'projectteam', 'programmabureau', 'beheerder')",
                           name=op.f('ck_people_role')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
        sa.UniqueConstraint('login', name=op.f('uq_people_login')),
    )
    op.create_table(
        'person_secrets',
        sa.Column('login', sa.String(length=63), nullable=False),
        sa.Column('totp_secret', sa.String(length=64), nullable=False),
        sa.Column('last_step', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('login', name=op.f('pk_person_secrets')),
    )
    for table in RECORDED:
        op.add_column(table, sa.Column('recorded_as', sa.String(length=63), nullable=True))
    op.add_column('programmes', sa.Column('loaded_as', sa.String(length=63), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: one machine; the data folder (0700) and the operating-system user are the identity
    op.execute("""
        CREATE FUNCTION regie_recorded_by_server() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.recorded_as IS NULL THEN
                RAISE EXCEPTION 'recorded_as ontbreekt: elke regel noemt de ingelogde databaserol'
                    USING ERRCODE = '42501';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM register_settings WHERE key = 'sandbox')
               AND NEW.recorded_at IS DISTINCT FROM date_trunc('second', now()) THEN
                RAISE EXCEPTION 'recorded_at moet de tijd van de databaseserver zijn (%), niet %',
                    date_trunc('second', now()), NEW.recorded_at USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END $$""")
    for table in RECORDED:
        op.execute(f"CREATE TRIGGER {table}_recorded_by_server BEFORE INSERT ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION regie_recorded_by_server()")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (true)")
    decision_actor = _ACTOR_OK.format(table="decisions", form="decisions.via = 'formulier'")
    # A decision ends only an earlier one of the same body (a correction on the same point), and its
    # name is the person's own where the register knows people.
    op.execute(f"""
        CREATE POLICY decisions_record ON decisions FOR INSERT WITH CHECK (
            {decision_actor}
            AND (decisions.supersedes_id IS NULL OR EXISTS (
                SELECT 1 FROM decisions o WHERE o.id = decisions.supersedes_id AND o.body_id = decisions.body_id
                  AND o.decision_point_id = decisions.decision_point_id))
            AND (decisions.lifts_id IS NULL OR EXISTS (
                SELECT 1 FROM decisions o WHERE o.id = decisions.lifts_id AND o.body_id = decisions.body_id))
            AND ({_OPEN} OR EXISTS (
                SELECT 1 FROM people p JOIN governing_bodies b ON b.id = decisions.body_id
                WHERE p.login = decisions.recorded_as AND p.active AND p.name = decisions.recorded_by
                  AND ((p.role = 'secretaris' AND p.body_slug = b.slug)
                       OR (p.role = 'projectteam' AND b.kind = 'projectteam')))))""")
    # Messages: the service (and an open register) sends everything; a person writes only the outbox
    # rows and ledger entries of decisions they recorded, so nobody silences a reminder or escalation.
    service = (f"({_OPEN} OR EXISTS (SELECT 1 FROM people s WHERE s.login = current_user AND s.active "
               "AND s.role IN ('programmabureau', 'beheerder')))")
    own_outbox = ("(outbox.event = 'decision_recorded' AND EXISTS (SELECT 1 FROM decisions d "
                  "WHERE d.id = outbox.ref AND d.recorded_as = current_user))")
    op.execute("ALTER TABLE outbox ENABLE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY outbox_read ON outbox FOR SELECT USING (true)")
    op.execute(f"CREATE POLICY outbox_write ON outbox FOR ALL USING ({service} OR {own_outbox}) "
               f"WITH CHECK ({service} OR {own_outbox})")
    op.execute("ALTER TABLE notifications ENABLE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY notifications_read ON notifications FOR SELECT USING (true)")
    op.execute(f"CREATE POLICY notifications_write ON notifications FOR ALL "
               f"USING ({service} OR notifications.event = 'decision_recorded') "
               f"WITH CHECK ({service} OR notifications.event = 'decision_recorded')")
    for table in ("phase_overrides", "plan_revisions"):
        actor = _ACTOR_OK.format(table=table, form="false")
        op.execute(f"""
            CREATE POLICY {table}_record ON {table} FOR INSERT WITH CHECK (
                {actor} AND ({_OPEN} OR EXISTS (
                    SELECT 1 FROM people p WHERE p.login = {table}.recorded_as AND p.active
                      AND p.name = {table}.recorded_by AND p.role = 'projectteam')))""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("outbox", "notifications"):
            op.execute(f"DROP POLICY IF EXISTS {table}_write ON {table}")
            op.execute(f"DROP POLICY IF EXISTS {table}_read ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for table in RECORDED:
            op.execute(f"DROP POLICY IF EXISTS {table}_record ON {table}")
            op.execute(f"DROP POLICY IF EXISTS {table}_read ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
            op.execute(f"DROP TRIGGER {table}_recorded_by_server ON {table}")
        op.execute("DROP FUNCTION regie_recorded_by_server()")
    op.drop_column('programmes', 'loaded_as')
    for table in RECORDED:
        op.drop_column(table, 'recorded_as')
    op.drop_table('person_secrets')
    op.drop_table('people')
