"""Optional single sign-on with OpenID Connect (OIDC_ISSUER …): Authlib's Flask client does the
protocol (discovery, authorization code with PKCE, state, nonce, ID-token checks); this package
decides who the identity is here. Without OIDC_ISSUER nothing of it is active: no button, no routes."""
from app.sso.routes import bp, end_session_url, init_app  # noqa: F401
