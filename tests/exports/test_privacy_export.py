"""A learner's data-export ZIP through the queue: asked for, prepared, downloaded, read back."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

from tests.exports.conftest import build_rich_learner, export_id_of, fetch_ready_file


def test_data_export_is_prepared_and_downloaded(browser, db, make, queued):
    rich = build_rich_learner(db, make)
    db.session.commit()
    browser.login(rich.user)
    browser.get("/meine-daten")
    export_id = export_id_of(browser.post("/meine-daten/export"))
    response = fetch_ready_file(browser, export_id)
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("daten.json"))
    assert data["account"]["email"] == rich.user.email
    entries = [f for s in data["submissions"] for v in s["versions"] for f in v["files"]]
    assert entries
    for entry in entries:
        assert hashlib.sha256(archive.read(entry["path_in_zip"])).hexdigest() == entry["sha256"]
    page = browser.get(f"/meine-downloads/{export_id}").get_data(as_text=True)
    assert "Die Datei ist fertig." in page
