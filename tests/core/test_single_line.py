"""Issue 21: single-line fields refuse line breaks and control characters at input."""
from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, SearchField, StringField, TelField, URLField

import app as app_package
from app.mail.models import OutgoingMail
from app.validators import SingleLine, has_control_characters, one_line

MESSAGE = "Bitte geben Sie dies in einer Zeile ein, ohne Zeilenumbrüche oder Steuerzeichen."
# Text inputs a person types one line into; hidden and password fields are not shown anywhere.
SINGLE_LINE_FIELDS = (StringField, EmailField, SearchField, URLField, TelField)


def _all_forms() -> list[type]:
    for info in pkgutil.iter_modules(app_package.__path__):
        try:
            importlib.import_module(f"app.{info.name}.forms")
        except ModuleNotFoundError:
            continue
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        if form.__module__.startswith("app."):
            found.append(form)
    return found


def test_every_single_line_field_of_every_form_refuses_line_breaks():
    forms = _all_forms()
    assert len(forms) > 20  # the walk found the feature forms
    unchecked = []
    for form in forms:
        for name, unbound in vars(form).items():
            if getattr(unbound, "field_class", None) not in SINGLE_LINE_FIELDS:
                continue
            validators = unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else ())
            if not any(isinstance(v, SingleLine) for v in validators):
                unchecked.append(f"{form.__module__}.{form.__name__}.{name}")
    assert unchecked == []


@pytest.mark.parametrize("text", ["Lara\r\nBcc: x@example.org", "Lara\nX", "Lara\rX", "a\x00b", "a\x0bb", "a\u2028b", "a\x85b"])
def test_control_characters_are_found(text):
    assert has_control_characters(text)
    assert not has_control_characters(one_line(text))


def test_ordinary_text_passes():
    assert not has_control_characters("Jörg Müßig-Čapek, Amt für Digitales\t(Ost)")
    assert one_line("Jörg Müßig") == "Jörg Müßig"


def test_profile_name_with_a_line_break_is_refused_and_nothing_is_lost(browser, make, db):
    user = make.user("learner", name="Lara Lernt")
    db.session.commit()
    browser.login(user)
    browser.get("/profil")
    response = browser.post("/profil", {"name": "Lara\r\nBcc: x@example.org", "municipality": "Cottbus", "position": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert MESSAGE in page
    assert "Cottbus" in page  # what was typed stays in the form
    db.session.refresh(user)
    assert user.name == "Lara Lernt" and user.municipality is None


def test_reminder_subject_with_a_line_break_is_refused(browser, make, db):
    trainer = make.user("trainer")
    cohort = make.cohort(trainers=[trainer])
    learner = make.enrolment(cohort=cohort)
    db.session.commit()
    browser.login(trainer)
    browser.get(f"/kohorten/{cohort.id}/erinnerung")
    response = browser.post(f"/kohorten/{cohort.id}/erinnerung", {
        "enrolment_ids": [learner.id], "subject": "Weiter\r\nBcc: x@example.org", "text": "Bitte weitermachen.",
    })
    assert response.status_code == 200
    assert MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


def test_discussion_title_with_a_line_break_is_refused(browser, make, db):
    from app.discussions.models import DiscussionThread

    cohort = make.cohort()
    learner = make.enrolment(cohort=cohort).user
    module = cohort.course.active_modules[0]
    db.session.commit()
    browser.login(learner)
    url = f"/kohorten/{cohort.id}/diskussionen/{module.id}"
    browser.get(url)
    response = browser.post(url, {"title": "Frage\nBcc: x@example.org", "body": "Wie geht das?"})
    assert response.status_code == 200
    assert MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(DiscussionThread)) == 0
