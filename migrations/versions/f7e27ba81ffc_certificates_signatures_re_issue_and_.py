"""certificates: signatures, re-issue and revocation by whom, design assets; mail attachments

Revision ID: f7e27ba81ffc
Revises: 222c1d970d1c
Create Date: 2026-11-22 19:52:17.388967

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7e27ba81ffc'
down_revision = '222c1d970d1c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_assets',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=50), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_certificate_assets'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signature', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('signing_key_id', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('reissue_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('issued_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_certificates_issued_by_id_users'), 'users', ['issued_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_certificates_revoked_by_id_users'), 'users', ['revoked_by_id'], ['id'])

    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))

    # ### end Alembic commands ###


def downgrade():
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.drop_column('attachments')

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificates_revoked_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_certificates_issued_by_id_users'), type_='foreignkey')
        batch_op.drop_column('issued_by_id')
        batch_op.drop_column('reissue_reason')
        batch_op.drop_column('signing_key_id')
        batch_op.drop_column('signature')
        batch_op.drop_column('revoked_by_id')

    op.drop_table('certificate_assets')
    # ### end Alembic commands ###
