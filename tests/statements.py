"""The SQL statements a piece of code sends, for tests that count them (the test's own
savepoints left out: the `db` fixture wraps every test's commits in them)."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import event


def statements_sent(engine, run: Callable[[], object]) -> list[str]:
    sent: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent
