"""outgoing mail claims: a deliverer claims a row before sending it

Two deliverers (a worker's job, the `mail deliver` command, a second worker) never send the same
row: each takes a row with an atomic UPDATE … WHERE it is unclaimed or its claim has expired, and
only the holder of the claim (claim_token) marks it sent.

Revision ID: 3c9d1e7a5f20
Revises: e4a7c2d91f30
Create Date: 2026-12-06 13:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9d1e7a5f20'
down_revision = 'e4a7c2d91f30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.drop_column('claim_token')
        batch_op.drop_column('claimed_until')
