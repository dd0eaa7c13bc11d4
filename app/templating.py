"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

from app.accounts.models import Role


def register_templating(app) -> None:
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["decimal"] = lambda value, fmt=None: format_decimal(value, fmt) if value is not None else ""
    app.jinja_env.globals["Role"] = Role
    from app.navigation import entries_for_current_user

    app.jinja_env.globals["nav_entries"] = entries_for_current_user

    @app.context_processor
    def layout_context():
        return {
            "site_name": app.config["SITE_NAME"],
            "current_locale": str(get_locale()),
            "is_admin": getattr(current_user, "is_authenticated", False) and current_user.role == Role.ADMIN,
        }
