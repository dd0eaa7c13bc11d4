"""due reminders: one automatic reminder per enrolment and assignment due soon

Revision ID: 8d4f2a6c1b70
Revises: 3c9d1e7a5f20
Create Date: 2026-12-06 15:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d4f2a6c1b70'
down_revision = '3c9d1e7a5f20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'due_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_due_reminders_assignment_id_assignments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_due_reminders_enrolment_id_enrolments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_due_reminders')),
        sa.UniqueConstraint('enrolment_id', 'assignment_id', name=op.f('uq_due_reminders_enrolment_id_assignment_id')),
    )
    with op.batch_alter_table('due_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_due_reminders_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_due_reminders_enrolment_id'), ['enrolment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('due_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_due_reminders_enrolment_id'))
        batch_op.drop_index(batch_op.f('ix_due_reminders_assignment_id'))
    op.drop_table('due_reminders')
