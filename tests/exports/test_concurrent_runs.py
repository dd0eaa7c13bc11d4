"""Two workers run the same build at the same moment, each with its own connection (threads on
the real engine, committed rows — not the rolled-back test transaction): one builds, the other
finds the export claimed; one file, status ready. On PostgreSQL with TEST_DATABASE_URL too."""
from __future__ import annotations

import threading

from sqlalchemy import delete, select

from app.exports import services
from app.exports.models import Export, ExportStatus
from app.exports.services import Built, Kind
from app.extensions import db
from tests.exports.conftest import stored_files


def test_two_simultaneous_runs_give_one_file(app, file_store, monkeypatch):
    from app.accounts.models import Role, User
    from app.accounts.services import create_user

    barrier = threading.Barrier(2)
    builds = []

    def build(user, params, target, progress):
        builds.append(threading.get_ident())
        target.write(b"eins;zwei\r\n")
        return Built("gleichzeitig.csv", "text/csv")

    monkeypatch.setitem(services.KINDS, "tests.concurrent", Kind("tests.concurrent", build, lambda user, params: True))
    with app.app_context():
        user = create_user("gleichzeitig@example.net", "Gleich Zeitig", Role.LEARNER, "ein-sicheres-passwort")
        export = Export(user=user, kind="tests.concurrent", params={}, title="Gleichzeitig", unit="rows")
        db.session.add(export)
        db.session.commit()
        export_id, user_id = export.id, user.id
    results = []

    def worker():
        with app.app_context():
            barrier.wait()
            results.append(services.build_export(export_id))

    try:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(results) == ["not claimed", "ready"]
        assert len(builds) == 1
        with app.app_context():
            row = db.session.get(Export, export_id)
            assert row.status == ExportStatus.READY and row.attempts == 1
        assert [p.read_bytes() for p in stored_files(file_store)] == [b"eins;zwei\r\n"]
    finally:
        with app.app_context():
            db.session.execute(delete(Export).where(Export.user_id == user_id))
            db.session.execute(delete(User).where(User.id == user_id))
            db.session.commit()
            assert db.session.scalar(select(User.id).where(User.id == user_id)) is None
