"""login cache notifications: users and login_sessions NOTIFY scc_login on update, delete, truncate

Revision ID: 9b1f0c3e7d25
Revises: 8d4f2a6c1b70
Create Date: 2026-12-07 06:10:00

PostgreSQL only (app.accounts.login_cache); SQLite keeps no login cache. The SQL is written out
here, as a migration must not change when the app's code does.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9b1f0c3e7d25'
down_revision = '8d4f2a6c1b70'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
CREATE OR REPLACE FUNCTION scc_login_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('scc_login', '*');
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('scc_login', OLD.id::text);
    ELSE
        PERFORM pg_notify('scc_login', OLD.user_id::text);
    END IF;
    RETURN NULL;
END $$
""")
    for table, row, statement in (('users', 'users_login_changed', 'users_login_truncated'),
                                  ('login_sessions', 'login_sessions_changed', 'login_sessions_truncated')):
        op.execute(f"CREATE TRIGGER {row} AFTER UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION scc_login_changed()")
        op.execute(f"CREATE TRIGGER {statement} AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION scc_login_changed()")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, row, statement in (('users', 'users_login_changed', 'users_login_truncated'),
                                  ('login_sessions', 'login_sessions_changed', 'login_sessions_truncated')):
        op.execute(f"DROP TRIGGER IF EXISTS {row} ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {statement} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS scc_login_changed()")
