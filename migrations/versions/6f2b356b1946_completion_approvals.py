"""completion approvals: a trainer's approval of an enrolment's completion

For courses with `completion.trainer_approval: true`: who approved, when, and an optional note;
one row per enrolment at most (the primary key).

Revision ID: 6f2b356b1946
Revises: 63cd9f4019c5
Create Date: 2026-11-22 21:45:30.989672

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6f2b356b1946'
down_revision = '63cd9f4019c5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('completion_approvals',
    sa.Column('enrolment_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_completion_approvals_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_completion_approvals_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_completion_approvals'))
    )


def downgrade():
    op.drop_table('completion_approvals')
