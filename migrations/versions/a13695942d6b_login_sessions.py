"""login sessions replace the per-user session nonce

Each signed-in browser gets a row (the SHA-256 of the key its cookie carries). Signing out deletes
that row, so a copied cookie opens nothing afterwards; "überall abmelden", a new password and a
deactivated or deleted account delete all rows of the user — what rotating users.session_nonce
did before, which is therefore dropped. Everyone signed in when this runs signs in again.

Revision ID: a13695942d6b
Revises: 469fa90b6206
Create Date: 2026-12-06 11:20:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'a13695942d6b'
down_revision = '469fa90b6206'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_login_sessions_key_hash'))
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_nonce')


def downgrade():
    # The old nonce gets a fixed value for existing rows: cookies issued before the upgrade are
    # long invalid (their format differs), so everyone signs in again either way.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_nonce', sa.String(length=32), nullable=False, server_default='downgraded'))
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))
    op.drop_table('login_sessions')
