"""The dependency rules of app/ (docs/architecture.md): the import-linter contracts in
.importlinter, no import cycle between modules, and the event subscriptions made by create_app."""
from __future__ import annotations

from pathlib import Path

import grimp
from importlinter.cli import lint_imports
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import create_app, events
from app.config import TestConfig
from app.reporting import facts

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept(capsys):
    """Layers and the web tier, as declared in .importlinter (the same check as `lint-imports`)."""
    exit_code = lint_imports(config_filenames=(str(ROOT / ".importlinter"),), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert exit_code == 0, report
    assert "0 broken" in report


def test_no_module_imports_itself_back():
    """No cycle of any length between modules, pages and function-local imports included."""
    graph = grimp.build_graph("app", include_external_packages=False, exclude_type_checking_imports=True, cache_dir=None)
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append(" -> ".join((importer, *back)))
    assert cycles == []


def test_create_app_subscribes_every_event_once():
    """Every event has its receivers once create_app has run, and a second app (tests, two
    servers in one process) connects nothing twice: certificates are issued exactly once. The
    reporting facts' flush listener is connected there too."""
    settings = TestConfig.settings()
    create_app(settings)
    signals = (events.course_imported, events.course_completed, events.attendance_recorded,
               events.account_erasing, events.account_exporting)
    receivers = {signal.name: len(signal.receivers) for signal in signals}
    create_app(settings)
    assert {signal.name: len(signal.receivers) for signal in signals} == receivers
    # privacy's two events have a receiver per feature holding personal data privacy does not know
    # (certificates, single sign-on); the others exactly one
    expected = {"account-erasing": 2, "account-exporting": 2}
    assert all(count == expected.get(name, 1) for name, count in receivers.items()), receivers
    assert event.contains(Session, "after_flush", facts._follow_flush)  # the agency's stored figures follow every flush
