"""Single sign-on in a real browser: the login button, the provider's own login and consent pages
(panva's oidc-provider on 127.0.0.1), back in the app signed in, logout ending at the provider."""
from __future__ import annotations

import pytest

from app.sso import client as oidc
from tests.accounts.oidc import running_provider

SECRET = "browser-test-secret-0123456789abcdef"  # nosec B105 - a throwaway test client


@pytest.fixture(scope="module")
def sso_live(live_server):
    app, base_url = live_server
    clients = [{"client_id": "campus-browser", "client_secret": SECRET, "redirect_uris": [f"{base_url}/anmelden/sso/rueckkehr"],
                "post_logout_redirect_uris": [f"{base_url}/anmelden"]}]
    with running_provider(clients) as issuer:
        saved = {key: app.config.get(key) for key in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")}
        app.config.update(OIDC_ISSUER=issuer, OIDC_CLIENT_ID="campus-browser", OIDC_CLIENT_SECRET=SECRET)
        oidc.register(app)
        try:
            yield issuer
        finally:
            app.config.update(saved)
            app.extensions.pop("sso_client", None)


def test_sign_in_with_the_provider_and_sign_out_there(sso_live, live_server, live, page, check):
    from app.accounts.models import Role
    from app.accounts.services import create_user

    live.run(lambda: create_user("sso.browser@example.net", "Sabine Single", Role.LEARNER).id)
    page.goto("/anmelden")
    check(page)  # the login page with the button: axe-core WCAG 2.1 AA and the Nu HTML Checker
    page.get_by_role("link", name="Mit dem Dienstkonto anmelden").click()
    page.wait_for_url(f"{sso_live}/**")
    page.fill("input[name=login]", "sso.browser@example.net")
    page.fill("input[name=password]", "beliebig")
    page.locator("button[type=submit]").first.click()
    page.locator("button[type=submit]").first.click()  # the provider's consent page
    page.wait_for_url("**/lernstand")  # back in the app, signed in: the learner's start page
    page.goto("/profil")
    assert page.locator("input[name=name]").input_value() == "Sabine Single"

    page.get_by_role("button", name="Abmelden").first.click()
    page.wait_for_url(f"{sso_live}/session/end**")
    page.locator("button[autofocus], button[type=submit]").first.click()  # "Yes, sign me out"
    page.wait_for_url(lambda url: url.startswith(f"{live_server[1]}/anmelden"))  # post_logout_redirect_uri
    assert "Sie sind abgemeldet." in page.content()
    page.goto("/profil")
    assert "/anmelden" in page.url


def test_a_person_without_account_sees_why(sso_live, page, check):
    page.goto("/anmelden/sso")
    page.fill("input[name=login]", "niemand.browser@example.net")
    page.fill("input[name=password]", "beliebig")
    page.locator("button[type=submit]").first.click()
    page.locator("button[type=submit]").first.click()
    page.wait_for_url("**/anmelden/sso/rueckkehr**")
    assert "Ihr Konto ist noch keinem Kurs zugeordnet" in page.locator("main").inner_text()
    check(page)
