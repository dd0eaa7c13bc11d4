"""Discussions: who reads them, safe Markdown, the edit window, moderation, reply mails."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.discussions import rules, services
from app.discussions.models import DiscussionPost, DiscussionThread, PostReport
from app.mail.services import deliver_pending


def start(app, cohort, module, author, title="Wie starten wir?", body="Erste Frage"):
    with app.test_request_context():
        return services.start_thread(cohort, module, author, title, body)


def reply(app, thread, author, body):
    with app.test_request_context():
        return services.reply(thread, author, body)


def test_edit_window_rule():
    from datetime import datetime, timezone

    created = datetime(2027, 1, 1, 10, tzinfo=timezone.utc)
    assert rules.within_edit_window(created, created + timedelta(minutes=30), 30)
    assert not rules.within_edit_window(created, created + timedelta(minutes=30, seconds=1), 30)


def test_member_opens_a_thread_and_markdown_is_rendered_safely(db, login_as, cohort, module, members):
    anna = members[0]
    db.session.commit()
    browser = login_as(anna)
    url = f"/kohorten/{cohort.id}/diskussionen/{module.id}"
    assert browser.get(url).status_code == 200
    response = browser.post(url, {"title": "Datenstrategie", "body": "**Wichtig**: <script>alert(1)</script> [Link](javascript:alert(2))"})
    assert response.status_code == 302
    page = browser.get(response.location).get_data(as_text=True)
    assert "<strong>Wichtig</strong>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page


def test_other_cohorts_learner_gets_404_everywhere(app, db, make, login_as, cohort, module, members):
    thread = start(app, cohort, module, members[0])
    post = thread.opening_post
    stranger = make.enrolment().user
    db.session.commit()
    browser = login_as(stranger)
    for url in (f"/kohorten/{cohort.id}/diskussionen", f"/kohorten/{cohort.id}/diskussionen/{module.id}",
                f"/diskussionen/themen/{thread.id}", f"/diskussionen/beitraege/{post.id}/bearbeiten",
                f"/diskussionen/beitraege/{post.id}/melden"):
        assert browser.get(url).status_code == 404, url
    assert browser.post(f"/diskussionen/themen/{thread.id}", {"body": "Hallo"}).status_code == 404
    assert browser.post(f"/kohorten/{cohort.id}/diskussionen/{module.id}", {"title": "x", "body": "y"}).status_code == 404
    assert len(thread.posts) == 1
    assert "Brandenburg 2027-1" not in browser.get("/diskussionen").get_data(as_text=True)


def test_trainer_of_another_cohort_and_agency_get_404(app, db, make, login_as, cohort, module, members):
    thread = start(app, cohort, module, members[0])
    db.session.commit()
    for user in (make.user("trainer"), make.user("agency")):
        browser = login_as(user)
        assert browser.get(f"/diskussionen/themen/{thread.id}").status_code == 404


def test_author_edits_within_the_window_only(app, db, login_as, cohort, module, members):
    anna, bert, _ = members
    thread = start(app, cohort, module, anna, body="Ursprünglich")
    post = thread.opening_post
    db.session.commit()
    browser = login_as(bert)  # not the author
    assert browser.get(f"/diskussionen/beitraege/{post.id}/bearbeiten").status_code == 403
    browser = login_as(anna)
    assert "Bearbeiten" in browser.get(f"/diskussionen/themen/{thread.id}").get_data(as_text=True)
    browser.get(f"/diskussionen/beitraege/{post.id}/bearbeiten")
    assert browser.post(f"/diskussionen/beitraege/{post.id}/bearbeiten", {"body": "Korrigiert"}).status_code == 302
    db.session.refresh(post)
    assert post.body == "Korrigiert" and post.edited_at is not None
    post.created_at = post.created_at - timedelta(minutes=31)
    db.session.commit()
    response = browser.post(f"/diskussionen/beitraege/{post.id}/bearbeiten", {"body": "Zu spät"})
    assert response.status_code == 200 and "abgelaufen" in response.get_data(as_text=True)
    db.session.refresh(post)
    assert post.body == "Korrigiert"


def test_edit_window_comes_from_the_config(app, db, login_as, cohort, module, members, monkeypatch):
    monkeypatch.setitem(app.config, "DISCUSSION_EDIT_MINUTES", 5)
    anna = members[0]
    thread = start(app, cohort, module, anna)
    post = thread.opening_post
    post.created_at = post.created_at - timedelta(minutes=6)
    db.session.commit()
    browser = login_as(anna)
    browser.get(f"/diskussionen/themen/{thread.id}")
    browser.post(f"/diskussionen/beitraege/{post.id}/bearbeiten", {"body": "Neu"})
    db.session.refresh(post)
    assert post.body == "Erste Frage"


def test_hidden_posts_are_invisible_to_learners(app, db, login_as, cohort, module, members, trainer):
    anna, bert, _ = members
    thread = start(app, cohort, module, anna)
    bad = reply(app, thread, bert, "Unpassender Beitrag XYZ")
    db.session.commit()
    browser = login_as(trainer)
    browser.get(f"/diskussionen/themen/{thread.id}")
    assert browser.post(f"/diskussionen/beitraege/{bad.id}/ausblenden").status_code == 302
    assert "Unpassender Beitrag XYZ" in browser.get(f"/diskussionen/themen/{thread.id}").get_data(as_text=True)
    another_browser = login_as(bert)  # even its author no longer sees it
    page = another_browser.get(f"/diskussionen/themen/{thread.id}").get_data(as_text=True)
    assert "Unpassender Beitrag XYZ" not in page
    assert another_browser.get(f"/diskussionen/beitraege/{bad.id}/melden").status_code == 404
    # hiding the opening post hides the whole thread from learners
    browser.post(f"/diskussionen/beitraege/{thread.opening_post.id}/ausblenden")
    assert another_browser.get(f"/diskussionen/themen/{thread.id}").status_code == 404
    assert "Wie starten wir?" not in another_browser.get(f"/kohorten/{cohort.id}/diskussionen/{module.id}").get_data(as_text=True)
    assert "Wie starten wir?" in browser.get(f"/kohorten/{cohort.id}/diskussionen/{module.id}").get_data(as_text=True)


def test_learners_cannot_moderate(app, db, login_as, cohort, module, members):
    anna, bert, _ = members
    thread = start(app, cohort, module, anna)
    post = reply(app, thread, bert, "Antwort")
    db.session.commit()
    browser = login_as(anna)
    browser.get(f"/diskussionen/themen/{thread.id}")
    assert browser.post(f"/diskussionen/beitraege/{post.id}/ausblenden").status_code == 404
    assert browser.post(f"/diskussionen/themen/{thread.id}/schliessen").status_code == 404
    db.session.refresh(post)
    db.session.refresh(thread)
    assert post.hidden_at is None and not thread.locked


def test_locked_thread_takes_no_learner_replies_and_pinned_comes_first(app, db, login_as, cohort, module, members, trainer):
    anna, bert, _ = members
    older = start(app, cohort, module, anna, title="Älteres Thema")
    newer = start(app, cohort, module, bert, title="Neueres Thema")
    db.session.commit()
    browser = login_as(trainer)
    browser.get(f"/diskussionen/themen/{older.id}")
    browser.post(f"/diskussionen/themen/{older.id}/anheften")
    browser.post(f"/diskussionen/themen/{older.id}/schliessen")
    page = browser.get(f"/kohorten/{cohort.id}/diskussionen/{module.id}").get_data(as_text=True)
    assert page.index("Älteres Thema") < page.index("Neueres Thema")
    browser = login_as(bert)
    browser.get(f"/diskussionen/themen/{older.id}")
    assert browser.post(f"/diskussionen/themen/{older.id}", {"body": "Doch noch"}).status_code == 403
    assert len(db.session.get(DiscussionThread, older.id).posts) == 1
    assert newer.id


def test_learner_reports_a_post_once_and_trainers_see_it(app, db, login_as, cohort, module, members, trainer):
    anna, bert, _ = members
    thread = start(app, cohort, module, anna, body="Fragwürdig")
    db.session.commit()
    browser = login_as(bert)
    browser.get(f"/diskussionen/beitraege/{thread.opening_post.id}/melden")
    assert browser.post(f"/diskussionen/beitraege/{thread.opening_post.id}/melden", {"reason": "beleidigend"}).status_code == 302
    browser.post(f"/diskussionen/beitraege/{thread.opening_post.id}/melden", {"reason": "nochmal"})
    assert len(db.session.scalars(select(PostReport)).all()) == 1
    browser = login_as(trainer)
    assert "beleidigend" in browser.get(f"/kohorten/{cohort.id}/diskussionen").get_data(as_text=True)


def test_reply_mails_respect_the_opt_out(app, db, login_as, cohort, module, members, smtp_server):
    anna, bert, carla = members
    thread = start(app, cohort, module, anna)
    reply(app, thread, bert, "Ich auch")
    with app.test_request_context():
        deliver_pending()
    smtp_server.messages.clear()
    db.session.commit()
    # Bert switches reply mails off
    browser = login_as(bert)
    browser.get("/diskussionen/einstellungen")
    assert browser.post("/diskussionen/einstellungen", {}).status_code == 302
    # Carla replies: Anna is told, Bert is not, Carla (the author) is not
    browser = login_as(carla)
    browser.get(f"/diskussionen/themen/{thread.id}")
    assert browser.post(f"/diskussionen/themen/{thread.id}", {"body": "Meine **Antwort**"}).status_code == 302
    with app.test_request_context():
        deliver_pending()
    recipients = [m["to"] for m in smtp_server.messages]
    assert recipients == [["anna@kommune.example"]]
    message = smtp_server.messages[0]["message"]
    assert "Wie starten wir?" in message["Subject"]
    content = message.get_content()
    assert "Carla Kämmerei" in content and "Meine **Antwort**" in content
    assert "/diskussionen/einstellungen" in content
    # Bert switches them back on and is told about the next reply
    browser = login_as(bert)
    browser.get("/diskussionen/einstellungen")
    browser.post("/diskussionen/einstellungen", {"reply_mails": "y"})
    smtp_server.messages.clear()
    reply(app, thread, anna, "Danke euch")
    db.session.commit()
    with app.test_request_context():
        deliver_pending()
    assert sorted(m["to"][0] for m in smtp_server.messages) == ["bert@kommune.example", "carla@kommune.example"]


def test_withdrawn_member_loses_access_and_mails(app, db, login_as, cohort, module, members, smtp_server):
    from app.cohorts.models import Enrolment, EnrolmentStatus

    anna, bert, _ = members
    thread = start(app, cohort, module, anna)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == anna.id))
    enrolment.status = EnrolmentStatus.WITHDRAWN
    reply(app, thread, bert, "Antwort")
    db.session.commit()
    with app.test_request_context():
        deliver_pending()
    assert smtp_server.messages == []
    browser = login_as(anna)
    assert browser.get(f"/diskussionen/themen/{thread.id}").status_code == 404


def test_post_bodies_are_required(app, db, cohort, module, members):
    from app.errors import DomainError

    with app.test_request_context(), pytest.raises(DomainError):
        services.start_thread(cohort, module, members[0], "Titel", "   ")
    assert db.session.scalars(select(DiscussionPost)).all() == []
