"""The write API of discussions. Flushes, never commits; German DomainErrors.

Reply notifications are queued with the reply (same transaction): every earlier author of the
thread who can still read it and has not switched reply mails off."""
from __future__ import annotations

import os
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.accounts.models import User
from app.audit.services import record
from app.catalogue.models import Module
from app.cohorts.models import Cohort
from app.discussions import rules
from app.discussions.access import can_moderate, can_read
from app.discussions.models import DiscussionPost, DiscussionSetting, DiscussionThread, PostReport
from app.errors import DomainError, NotAllowed
from app.extensions import db
from app.links import absolute_url
from app.mail.compose import mail_user


def edit_window_minutes() -> int:
    value = current_app.config.get("DISCUSSION_EDIT_MINUTES") or os.environ.get("DISCUSSION_EDIT_MINUTES")
    return int(value) if value not in (None, "") else rules.DEFAULT_EDIT_MINUTES


def _body(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Bitte schreiben Sie einen Text."))
    if len(text) > rules.MAX_BODY_CHARS:
        raise DomainError(_("Der Text ist zu lang (höchstens %(n)d Zeichen).", n=rules.MAX_BODY_CHARS))
    return text


def start_thread(cohort: Cohort, module: Module, author: User, title: str, body: str) -> DiscussionThread:
    if not can_read(author, cohort):
        raise NotAllowed(_("Sie gehören nicht zu dieser Kohorte."))
    if module.course_id != cohort.course_id:
        raise DomainError(_("Das Modul gehört nicht zum Kurs dieser Kohorte."))
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Bitte geben Sie einen Titel an."))
    now = clock.now()
    thread = DiscussionThread(cohort=cohort, module=module, author=author, title=title[:200], created_at=now, last_post_at=now)
    thread.posts.append(DiscussionPost(author=author, body=_body(body), created_at=now))
    db.session.add(thread)
    db.session.flush()
    return thread


def reply(thread: DiscussionThread, author: User, body: str) -> DiscussionPost:
    moderator = can_moderate(author, thread.cohort)
    if not can_read(author, thread.cohort):
        raise NotAllowed(_("Sie gehören nicht zu dieser Kohorte."))
    if thread.locked and not moderator:
        raise DomainError(_("Dieses Thema ist geschlossen; Antworten sind nicht mehr möglich."))
    now = clock.now()
    post = DiscussionPost(thread=thread, author=author, body=_body(body), created_at=now)
    db.session.add(post)
    thread.last_post_at = now
    db.session.flush()
    _notify_reply(post)
    return post


def edit_post(post: DiscussionPost, editor: User, body: str, now: datetime | None = None) -> DiscussionPost:
    now = now or clock.now()
    if post.author_id != editor.id:
        raise NotAllowed(_("Sie können nur eigene Beiträge bearbeiten."))
    if post.hidden:
        raise DomainError(_("Ausgeblendete Beiträge können nicht bearbeitet werden."))
    if not rules.within_edit_window(post.created_at, now, edit_window_minutes()):
        raise DomainError(_("Beiträge können nur %(n)d Minuten lang bearbeitet werden.", n=edit_window_minutes()))
    post.body = _body(body)
    post.edited_at = now
    db.session.flush()
    return post


def may_edit(post: DiscussionPost, user: User, now: datetime | None = None) -> bool:
    return (post.author_id == user.id and not post.hidden
            and rules.within_edit_window(post.created_at, now or clock.now(), edit_window_minutes()))


def report_post(post: DiscussionPost, reporter: User, reason: str = "") -> PostReport:
    if post.author_id == reporter.id:
        raise DomainError(_("Eigene Beiträge können Sie nicht melden."))
    try:
        with db.session.begin_nested():
            report = PostReport(post=post, reporter=reporter, reason=(reason or "").strip()[:2000])
            db.session.add(report)
    except IntegrityError:
        raise DomainError(_("Sie haben diesen Beitrag bereits gemeldet.")) from None
    return report


def _moderator(actor: User, cohort: Cohort) -> None:
    if not can_moderate(actor, cohort):
        raise NotAllowed(_("Nur Trainer:innen der Kohorte können moderieren."))


def set_pinned(thread: DiscussionThread, pinned: bool, actor: User) -> None:
    _moderator(actor, thread.cohort)
    thread.pinned = pinned
    record("discussion_moderated", actor=actor, obj=thread, change="pinned" if pinned else "unpinned")
    db.session.flush()


def set_locked(thread: DiscussionThread, locked: bool, actor: User) -> None:
    _moderator(actor, thread.cohort)
    thread.locked = locked
    record("discussion_moderated", actor=actor, obj=thread, change="locked" if locked else "unlocked")
    db.session.flush()


def set_hidden(post: DiscussionPost, hidden: bool, actor: User) -> None:
    """Hiding also settles the open reports about the post."""
    _moderator(actor, post.thread.cohort)
    now = clock.now()
    if hidden:
        post.hidden_at, post.hidden_by_id = now, actor.id
        for report in post.reports:
            if report.resolved_at is None:
                report.resolved_at, report.resolved_by_id = now, actor.id
    else:
        post.hidden_at = post.hidden_by_id = None
    record("discussion_moderated", actor=actor, obj=post, change="hidden" if hidden else "shown")
    db.session.flush()


def dismiss_reports(post: DiscussionPost, actor: User) -> int:
    _moderator(actor, post.thread.cohort)
    now, count = clock.now(), 0
    for report in post.reports:
        if report.resolved_at is None:
            report.resolved_at, report.resolved_by_id = now, actor.id
            count += 1
    db.session.flush()
    return count


def wants_reply_mails(user: User) -> bool:
    setting = db.session.get(DiscussionSetting, user.id)
    return True if setting is None else setting.reply_mails


def set_reply_mails(user: User, enabled: bool) -> None:
    setting = db.session.get(DiscussionSetting, user.id)
    if setting is None:
        setting = DiscussionSetting(user_id=user.id)
        db.session.add(setting)
    setting.reply_mails = bool(enabled)
    db.session.flush()


def _notify_reply(post: DiscussionPost) -> None:
    thread = post.thread
    recipients: dict[int, User] = {}
    for earlier in thread.posts:
        author = earlier.author
        if earlier.id == post.id or author is None or earlier.hidden or author.id == post.author_id:
            continue
        recipients[author.id] = author
    if not recipients:
        return
    opted_out = set(db.session.scalars(select(DiscussionSetting.user_id).where(
        DiscussionSetting.user_id.in_(recipients), DiscussionSetting.reply_mails.is_(False))))
    link = absolute_url("discussions.thread", thread_id=thread.id) + f"#beitrag-{post.id}"
    settings_link = absolute_url("discussions.settings")
    for user in recipients.values():
        if user.id in opted_out or not user.active or not can_read(user, thread.cohort):
            continue
        mail_user(user, "mail/discussion_reply.txt", _l("Neue Antwort: „%(title)s“", title=thread.title),
                  post=post, thread=thread, link=link, settings_link=settings_link)
