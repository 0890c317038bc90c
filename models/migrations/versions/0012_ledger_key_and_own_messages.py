"""group roles per database and schema; a lockout after wrong one-time codes; the ledger's key and messages of one's own decisions: each address its own ledger key (a keyed hash of the
whole URL, the key kept in the register so every machine that sends for it computes the same), and on
PostgreSQL a person writes only the ledger rows of the decisions they recorded (no longer every row whose
event is 'decision_recorded', which let one college's secretary silence another's announcements)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_OPEN = "NOT EXISTS (SELECT 1 FROM people)"
SERVICE = (f"({_OPEN} OR EXISTS (SELECT 1 FROM people s WHERE s.login = current_user AND s.active "
           "AND s.role IN ('programmabureau', 'beheerder')))")
# the ledger key of an announcement reads '<programme>|decision_recorded|decision-<id>|<recipient>|<channel>'
OWN_DECISION = ("(notifications.event = 'decision_recorded' "
                "AND split_part(notifications.ledger_key, '|', 2) = 'decision_recorded' "
                "AND EXISTS (SELECT 1 FROM decisions d WHERE 'decision-' || d.id::text = "
                "split_part(notifications.ledger_key, '|', 3) AND d.recorded_as = current_user))")


def upgrade() -> None:
    from models.facts.base import UTCDateTime

    # wrong one-time codes in a row, and the lockout they lead to
    with op.batch_alter_table('person_secrets') as batch:
        batch.add_column(sa.Column('failures', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('locked_until', UTCDateTime(), nullable=True))
    op.get_bind().execute(sa.text("INSERT INTO register_settings (key, value) VALUES ('ledger-key', :v)"),
                          {"v": secrets.token_hex(32)})
    if op.get_bind().execute(sa.text("SELECT 1 FROM notifications LIMIT 1")).first() is not None:
        # rows keyed the older way: they are read too, so nothing they record as sent goes out again
        op.execute("INSERT INTO register_settings (key, value) VALUES ('ledger-legacy', 'ja')")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS notifications_write ON notifications")
    op.execute(f"CREATE POLICY notifications_write ON notifications FOR ALL "
               f"USING ({SERVICE} OR {OWN_DECISION}) WITH CHECK ({SERVICE} OR {OWN_DECISION})")
    # group roles named after the database too: a register that had the old, schema-only names moves its
    # people over, and the old groups (another register of the same schema name may share them) lose
    # every right here
    from sqlalchemy.orm import Session

    from models.commands.identity import grant_roles, legacy_groups

    session = Session(bind=op.get_bind())
    if any(session.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name})
           for name in legacy_groups(session).values()):
        grant_roles(session)
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table('person_secrets') as batch:
        batch.drop_column('locked_until')
        batch.drop_column('failures')
    op.execute("DELETE FROM register_settings WHERE key IN ('ledger-key', 'ledger-legacy')")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS notifications_write ON notifications")
    op.execute(f"CREATE POLICY notifications_write ON notifications FOR ALL "
               f"USING ({SERVICE} OR notifications.event = 'decision_recorded') "
               f"WITH CHECK ({SERVICE} OR notifications.event = 'decision_recorded')")
