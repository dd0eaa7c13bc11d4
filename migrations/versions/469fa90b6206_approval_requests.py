"""approval requests

One row per enrolment whose completion began to wait for a trainer's approval (the trainers
have been mailed). Enrolments waiting already when this runs get no row and no mail; the cohort
page lists them as before.

Revision ID: 469fa90b6206
Revises: 6f2b356b1946
Create Date: 2026-11-22 22:18:45.682997

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '469fa90b6206'
down_revision = '6f2b356b1946'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('approval_requests',
    sa.Column('enrolment_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_approval_requests_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_approval_requests'))
    )


def downgrade():
    op.drop_table('approval_requests')
