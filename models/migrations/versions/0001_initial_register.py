"""initial register

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

from models.migrations.append_only import append_only, drop_append_only


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('municipalities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipalities')),
    sa.UniqueConstraint('slug', name=op.f('uq_municipalities_slug'))
    )
    op.create_table('governing_bodies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('college', 'bestuurders')", name=op.f('ck_governing_bodies_kind')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_governing_bodies_municipality_id_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governing_bodies')),
    sa.UniqueConstraint('slug', name=op.f('uq_governing_bodies_slug'))
    )
    op.create_table('programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('procedure', sa.String(length=200), nullable=False),
    sa.Column('penvoerder_id', sa.Integer(), nullable=False),
    sa.Column('source_file', sa.String(length=500), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['penvoerder_id'], ['municipalities.id'], name=op.f('fk_programmes_penvoerder_id_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programmes')),
    sa.UniqueConstraint('key', name=op.f('uq_programmes_key'))
    )
    op.create_table('decision_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('phase', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('planned_date', sa.Date(), nullable=False),
    sa.Column('date_note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_decision_points_programme_id_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_points')),
    sa.UniqueConstraint('programme_id', 'key', name=op.f('uq_decision_points_programme_id_key'))
    )
    op.create_table('lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('segment_keys', sa.JSON(), nullable=False),
    sa.Column('funding_type', sa.String(length=20), nullable=True),
    sa.Column('funding_note', sa.Text(), nullable=True),
    sa.Column('spend_2023_eur', sa.Integer(), nullable=True),
    sa.Column('clients_2023', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_lots_programme_id_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lots')),
    sa.UniqueConstraint('programme_id', 'key', name=op.f('uq_lots_programme_id_key'))
    )
    op.create_table('phases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('planned_start', sa.Date(), nullable=False),
    sa.Column('planned_end', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint('number BETWEEN 0 AND 5', name=op.f('ck_phases_number')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_phases_programme_id_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phases')),
    sa.UniqueConstraint('programme_id', 'number', name=op.f('uq_phases_programme_id_number'))
    )
    op.create_table('segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('domain', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('funding_type', sa.String(length=20), nullable=True),
    sa.Column('funding_note', sa.Text(), nullable=True),
    sa.Column('subsegments', sa.JSON(), nullable=False),
    sa.Column('spend_2023_eur', sa.Integer(), nullable=True),
    sa.Column('clients_2023', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_segments_programme_id_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segments')),
    sa.UniqueConstraint('programme_id', 'key', name=op.f('uq_segments_programme_id_key'))
    )
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_point_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('reservation', sa.Text(), nullable=True),
    sa.Column('lifts_id', sa.Integer(), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('via', sa.String(length=40), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['governing_bodies.id'], name=op.f('fk_decisions_body_id_governing_bodies')),
    sa.ForeignKeyConstraint(['decision_point_id'], ['decision_points.id'], name=op.f('fk_decisions_decision_point_id_decision_points')),
    sa.ForeignKeyConstraint(['lifts_id'], ['decisions.id'], name=op.f('fk_decisions_lifts_id_decisions')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['decisions.id'], name=op.f('fk_decisions_supersedes_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_decisions_fingerprint')),
    sa.UniqueConstraint('lifts_id', name=op.f('uq_decisions_lifts_id')),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_decisions_supersedes_id'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_decision_point_id'), ['decision_point_id'], unique=False)

    op.create_table('lot_municipalities',
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_lot_municipalities_lot_id_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_lot_municipalities_municipality_id_municipalities')),
    sa.PrimaryKeyConstraint('lot_id', 'municipality_id', name=op.f('pk_lot_municipalities'))
    )
    op.create_table('programme_municipalities',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_programme_municipalities_municipality_id_municipalities')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_municipalities_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', 'municipality_id', name=op.f('pk_programme_municipalities'))
    )
    op.create_table('segment_municipalities',
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_segment_municipalities_municipality_id_municipalities')),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_segment_municipalities_segment_id_segments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('segment_id', 'municipality_id', name=op.f('pk_segment_municipalities'))
    )
    append_only("decisions")


def downgrade() -> None:
    drop_append_only("decisions")

    op.drop_table('segment_municipalities')
    op.drop_table('programme_municipalities')
    op.drop_table('lot_municipalities')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_decision_point_id'))

    op.drop_table('decisions')
    op.drop_table('segments')
    op.drop_table('phases')
    op.drop_table('lots')
    op.drop_table('decision_points')
    op.drop_table('programmes')
    op.drop_table('governing_bodies')
    op.drop_table('municipalities')

