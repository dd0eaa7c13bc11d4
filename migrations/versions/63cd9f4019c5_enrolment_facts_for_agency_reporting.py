"""enrolment facts for agency reporting

One row per counted enrolment (app/reporting/models.py), filled here from the existing rows with
the same definition as app.reporting.facts.derived_rows; from now on the app keeps it current. The
covering indexes the old reporting queries used on enrolments, users and progress events go.

Revision ID: 63cd9f4019c5
Revises: 38d0e29ad403
Create Date: 2026-11-22 21:44:03.529245

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '63cd9f4019c5'
down_revision = '38d0e29ad403'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('enrolment_facts',
    sa.Column('enrolment_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('land', sa.String(length=2), nullable=False),
    sa.Column('district_ags', sa.String(length=5), nullable=True),
    sa.Column('municipality', sa.String(length=200), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('in_progress', sa.Boolean(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('certified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_enrolment_facts_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_enrolment_facts'))
    )
    with op.batch_alter_table('enrolment_facts', schema=None) as batch_op:
        batch_op.create_index('ix_enrolment_facts_cohort_id', ['cohort_id'], unique=False)
        batch_op.create_index('ix_enrolment_facts_region', ['land', 'district_ags', 'course_id', 'cohort_id', 'enrolled_at', 'completed_at', 'certified_at', 'last_activity_at', 'in_progress'], unique=False)

    op.execute("""
        INSERT INTO enrolment_facts (enrolment_id, land, district_ags, municipality, course_id, cohort_id, in_progress,
                                     enrolled_at, completed_at, certified_at, last_activity_at)
        SELECT e.id, COALESCE(u.land, c.land), CASE WHEN u.land IS NOT NULL THEN u.district_ags ELSE c.district_ags END,
               u.municipality, c.course_id, e.cohort_id, e.status = 'active', e.enrolled_at, e.completed_at,
               (SELECT min(ct.issued_at) FROM certificates ct WHERE ct.enrolment_id = e.id AND ct.status = 'valid'),
               (SELECT max(p.completed_at) FROM progress_items p WHERE p.enrolment_id = e.id)
        FROM enrolments e JOIN cohorts c ON c.id = e.cohort_id JOIN users u ON u.id = e.user_id
        WHERE e.status <> 'invited'
    """)

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolments_report'))

    with op.batch_alter_table('progress_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_items_completed_at'))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_region'))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_region'), ['id', 'land', 'district_ags', 'municipality'], unique=False)

    with op.batch_alter_table('progress_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_items_completed_at'), ['completed_at', 'enrolment_id'], unique=False)

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_report'), ['cohort_id', 'user_id', 'status', 'enrolled_at', 'completed_at'], unique=False)

    with op.batch_alter_table('enrolment_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_enrolment_facts_region')
        batch_op.drop_index('ix_enrolment_facts_cohort_id')

    op.drop_table('enrolment_facts')
