"""The OpenID Connect client (Authlib), one per app, registered only when OIDC_ISSUER is set."""
from __future__ import annotations

from flask import Flask, current_app

NAME = "oidc"


def configured(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("OIDC_ISSUER"))


def register(app: Flask) -> None:
    from authlib.integrations.flask_client import OAuth  # only where SSO is configured (worker memory)

    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    oauth = OAuth(app)
    oauth.register(
        NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",  # PKCE
            "default_timeout": app.config["OIDC_TIMEOUT_SECONDS"],
        },
    )
    app.extensions["sso_client"] = oauth.create_client(NAME)


def client():
    return current_app.extensions["sso_client"]
