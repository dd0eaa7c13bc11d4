"""Admin pages: users and roles, activation, an agency user's Länder, settings, course import."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.admin.models import AgencyScope
from app.audit.models import AuditEvent

TEST_COURSES = Path(__file__).parents[1] / "data" / "courses"


@pytest.fixture()
def admin_browser(browser, make):
    admin = make.user("admin", name="Ada Admin")
    browser.login(admin)
    browser.admin = admin
    return browser


def events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_list_and_search_users(admin_browser, make):
    make.user("learner", name="Zora Zimmermann", email="zora@kommune.example")
    make.user("trainer", name="Tina Trainer")
    page = admin_browser.get("/admin/benutzer?q=zimmer").get_data(as_text=True)
    assert "Zora Zimmermann" in page and "Tina Trainer" not in page
    page = admin_browser.get("/admin/benutzer?rolle=trainer").get_data(as_text=True)
    assert "Tina Trainer" in page and "Zora Zimmermann" not in page


def test_change_a_role_is_audited(admin_browser, make, db):
    user = make.user("learner")
    admin_browser.get(f"/admin/benutzer/{user.id}")
    response = admin_browser.post(f"/admin/benutzer/{user.id}", {"role-role": "trainer", "role-submit_role": "Rolle ändern"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role == Role.TRAINER
    event = events(db, "role_changed")[-1]
    assert event.actor_id == admin_browser.admin.id and event.object_id == str(user.id)
    assert event.detail == {"old": "learner", "new": "trainer"}


def test_a_role_outside_the_list_is_refused(admin_browser, make, db):
    user = make.user("learner")
    page = admin_browser.get(f"/admin/benutzer/{user.id}").get_data(as_text=True)
    assert '<select id="role-role" name="role-role">' in page  # always holds a role: no "required", no placeholder
    for value in ("", "superuser"):
        response = admin_browser.post(f"/admin/benutzer/{user.id}", {"role-role": value, "role-submit_role": "x"})
        assert response.status_code == 400
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.role == Role.LEARNER


def test_admin_cannot_change_own_role_or_deactivate_self(admin_browser, db):
    me = admin_browser.admin
    admin_browser.get(f"/admin/benutzer/{me.id}")
    admin_browser.post(f"/admin/benutzer/{me.id}", {"role-role": "learner", "role-submit_role": "x"})
    admin_browser.post(f"/admin/benutzer/{me.id}", {"active-submit_active": "x"})
    db.session.refresh(me)
    assert me.role == Role.ADMIN and me.active
    assert not events(db, "role_changed")


def test_deactivated_user_is_logged_out_and_cannot_log_in(admin_browser, another_browser, make, db):
    user = make.user("trainer")
    another_browser.login(user)
    admin_browser.get(f"/admin/benutzer/{user.id}")
    assert admin_browser.post(f"/admin/benutzer/{user.id}", {"active-submit_active": "Konto deaktivieren"}).status_code == 302
    db.session.refresh(user)
    assert not user.active and events(db, "account_deactivated")
    assert another_browser.get("/lernstand").status_code == 302  # the session no longer counts
    another_browser.get("/anmelden")
    assert another_browser.post("/anmelden", {"email": user.email, "password": "ein-sicheres-passwort"}).status_code != 302
    admin_browser.post(f"/admin/benutzer/{user.id}", {"active-submit_active": "Konto aktivieren"})
    db.session.refresh(user)
    assert user.active


def test_assign_laender_to_an_agency_user(admin_browser, make, db):
    agency = make.user("agency")
    page = admin_browser.get(f"/admin/benutzer/{agency.id}").get_data(as_text=True)
    assert "Länder, deren Zahlen diese Person sieht" in page
    admin_browser.post(f"/admin/benutzer/{agency.id}", {"lands-lands": ["12", "13"], "lands-submit_lands": "x"})
    assert sorted(db.session.scalars(select(AgencyScope.land).where(AgencyScope.user_id == agency.id))) == ["12", "13"]
    assert events(db, "agency_scope_changed")[-1].detail == {"old": [], "new": ["12", "13"]}
    response = admin_browser.post(f"/admin/benutzer/{agency.id}", {"lands-lands": ["99"], "lands-submit_lands": "x"})
    assert response.status_code == 400
    # leaving the agency role drops the Länder
    admin_browser.post(f"/admin/benutzer/{agency.id}", {"role-role": "learner", "role-submit_role": "x"})
    assert not db.session.scalars(select(AgencyScope).where(AgencyScope.user_id == agency.id)).all()


def test_laender_only_for_agency_users(app, make, db):
    from app.admin.services import set_agency_laender
    from app.errors import DomainError

    with app.test_request_context(), pytest.raises(DomainError):
        set_agency_laender(make.user("trainer"), ["12"])


def test_settings_toggle_names_in_the_register(admin_browser, db):
    from app.admin.services import setting_enabled

    assert not setting_enabled("register_shows_names")
    admin_browser.get("/admin/einstellungen")
    assert admin_browser.post("/admin/einstellungen", {"register_shows_names": "y"}).status_code == 302
    assert setting_enabled("register_shows_names")
    assert events(db, "setting_changed")[-1].detail == {"old": "0", "new": "1"}
    admin_browser.post("/admin/einstellungen", {})
    assert not setting_enabled("register_shows_names")


def test_validate_and_import_courses(app, admin_browser, db, tmp_path, monkeypatch):
    courses = tmp_path / "courses"
    shutil.copytree(TEST_COURSES, courses)
    monkeypatch.setitem(app.config, "COURSES_DIR", str(courses))
    page = admin_browser.get("/admin/kurse").get_data(as_text=True)
    assert "Kurzkurs Smart City" in page and str(courses) in page
    page = admin_browser.post("/admin/kurse", {"validate_only": "Nur prüfen"}).get_data(as_text=True)
    assert "Prüfbericht" in page and "Alle geprüften Kurse sind gültig" in page
    lesson = courses / "kurz-kurs" / "01-grundlagen" / "02-die-charta.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n\nEin neuer Absatz.\n", encoding="utf-8")
    page = admin_browser.post("/admin/kurse", {"run_import": "Prüfen und importieren"}).get_data(as_text=True)
    assert "Importbericht" in page and "Import abgeschlossen" in page
    assert events(db, "course_imported")[-1].object_id == "kurz-kurs"


def test_a_broken_course_is_reported_with_file_and_line_and_nothing_imported(app, admin_browser, db, tmp_path, monkeypatch):
    courses = tmp_path / "courses"
    shutil.copytree(TEST_COURSES, courses)
    (courses / "kurz-kurs" / "course.yml").write_text("title: [kaputt\n", encoding="utf-8")
    monkeypatch.setitem(app.config, "COURSES_DIR", str(courses))
    admin_browser.get("/admin/kurse")
    page = admin_browser.post("/admin/kurse", {"run_import": "x"}).get_data(as_text=True)
    assert "es wurde nichts importiert" in page and "course.yml:" in page
    assert not events(db, "course_imported")


@pytest.mark.parametrize("role", ["learner", "trainer", "agency"])
def test_only_admins(browser, make, role):
    browser.login(make.user(role))
    for url in ("/admin/benutzer", f"/admin/benutzer/{make.user('learner').id}", "/admin/einstellungen", "/admin/kurse"):
        assert browser.get(url).status_code == 403, url


def test_unknown_user_is_404(admin_browser):
    assert admin_browser.get("/admin/benutzer/999999").status_code == 404
