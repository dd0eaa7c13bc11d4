"""`flask --app wsgi privacy purge-tokens`, `... privacy export EMAIL FILE`, `... privacy delete-account EMAIL`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("privacy", help="Data protection: purge dead tokens, export or delete an account.")


def _user(email: str):
    from app.accounts.services import find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account with the address {email}")
    return user


@cli.command("purge-tokens")
def purge_tokens_command() -> None:
    """Delete expired password-reset tokens, expired or used invitations and login sessions past
    their lifetime (run it daily from cron)."""
    from app.extensions import db
    from app.privacy.services import purge_tokens

    result = purge_tokens()
    db.session.commit()
    click.echo(f"purged {result.reset_tokens} password-reset token(s) and {result.invitations} invitation(s); "
               f"{result.login_sessions} login session(s) past their lifetime")


@cli.command("export")
@click.argument("email")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
def export_command(email: str, target: str) -> None:
    """Write everything about an account into a ZIP (for a request that came by letter)."""
    from app.files import get_store
    from app.audit import services as audit
    from app.extensions import db
    from app.privacy.export import collect, write_zip

    from flask_babel import force_locale

    user = _user(email)
    with open(target, "xb") as out, force_locale(user.locale or "de"):
        write_zip(collect(user), get_store(), out)
    audit.record("data_exported", obj=user, via="cli")
    db.session.commit()
    click.echo(f"wrote {target}")


@cli.command("delete-account")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_account_command(email: str, yes: bool) -> None:
    """Erase an account's personal data (keeps the anonymous figures and certificate numbers)."""
    from app.files import get_store
    from app.errors import DomainError
    from app.extensions import db
    from app.privacy.services import delete_account, remove_files

    user = _user(email)
    if not yes:
        click.confirm(f"Erase the personal data of {user.email}? This cannot be undone", abort=True)
    from flask_babel import force_locale

    try:
        with force_locale("de"):
            keys = delete_account(user, deleted_by=None, by="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    removed = remove_files(get_store(), keys)
    click.echo(f"account erased; {removed} stored file(s) deleted")
