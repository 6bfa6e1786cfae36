"""Two-factor authentication in Chromium against a real ``stockade serve``.

Codes are computed by the test from the secret the enrolment page shows; security keys are
Chromium's virtual authenticators (the DevTools protocol's WebAuthn domain), so the browser and
``py_webauthn`` run a real ceremony. Pages are browsed at ``http://localhost:PORT``: WebAuthn
needs a relying party id that is a domain, and browsers treat localhost as a secure context.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from types import SimpleNamespace

import pyotp
from playwright.sync_api import Page, expect

from tests.distributions import Dist
from tests.e2e.browser.conftest import Mailbox
from tests.e2e.browser.pages import log_in, log_out, sign_up, verify_email
from tests.e2e.clients import twine_upload
from tests.e2e.harness import RunningIndex, isolated_client_env

PASSWORD = "copper-meadow-lantern-31"
CODE_LABEL = "Code from your authenticator app"


def at_localhost(index: RunningIndex) -> SimpleNamespace:
    """The index as the browser should address it (same server, host name ``localhost``)."""
    return SimpleNamespace(url=index.url.replace("127.0.0.1", "localhost"))


def new_account(page: Page, site, mailbox: Mailbox, name: str) -> None:
    before = len(mailbox.messages)
    email = f"{name}@example.org"
    sign_up(page, site, username=name, email=email, password=PASSWORD)
    verify_email(page, mailbox, email=email, after=before)
    log_in(page, site, username=name, password=PASSWORD)


def enrol_app(page: Page, site) -> tuple[str, list[str]]:
    """Set up an authenticator app through the pages; return its secret and recovery codes."""
    page.goto(f"{site.url}/account/two-factor/")
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("img", name="QR code of the secret")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label(CODE_LABEL).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = [c.strip() for c in page.locator(".recovery-codes code").all_inner_texts()]
    assert len(codes) == 8
    page.get_by_role("link", name="I saved them").click()
    return secret, codes


def password_step(page: Page, site, name: str) -> None:
    """Log in with the password and check that a second step is asked for (no session yet)."""
    page.goto(f"{site.url}/account/login/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Second step")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_totp_enrolment_login_and_a_replayed_code(page, index, smtp_server):
    site = at_localhost(index)
    new_account(page, site, smtp_server, "tess")
    before = len(smtp_server.messages)
    secret, _codes = enrol_app(page, site)
    added = smtp_server.wait_for(
        to="tess@example.org", subject="second factor was added", after=before
    )
    assert "authenticator app" in Mailbox.body(added)
    log_out(page)

    # The enrolment used this step's code; the next step's code is inside the window.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    password_step(page, site, "tess")
    page.get_by_label(CODE_LABEL).fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    log_out(page)

    password_step(page, site, "tess")
    page.get_by_label(CODE_LABEL).fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code was already used")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def _virtual_authenticator(cdp) -> str:
    return cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": False,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]


def _add_key(page: Page, site, name: str) -> None:
    page.goto(f"{site.url}/account/two-factor/keys/add/")
    page.get_by_label("Name of the key").fill(name)
    page.get_by_role("button", name="Add the key").click()


def _log_in_with_key(page: Page, site, name: str) -> None:
    password_step(page, site, name)
    page.get_by_role("button", name="Use a security key").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_webauthn_keys_register_log_in_and_are_removed(page, index, smtp_server):
    site = at_localhost(index)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    first = _virtual_authenticator(cdp)
    new_account(page, site, smtp_server, "kira")

    _add_key(page, site, "first key")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    [first_credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": first})[
        "credentials"
    ]

    # A second authenticator (the first is unplugged) becomes a second key.
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": first})
    second = _virtual_authenticator(cdp)
    _add_key(page, site, "second key")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    expect(page.get_by_role("row", name=re.compile("first key"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("second key"))).to_be_visible()
    log_out(page)

    _log_in_with_key(page, site, "kira")
    [used] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": second})["credentials"]
    assert used["signCount"] >= 1
    log_out(page)

    # Plug the first key back in: it logs in too.
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": second})
    again = _virtual_authenticator(cdp)
    cdp.send("WebAuthn.addCredential", {"authenticatorId": again, "credential": first_credential})
    _log_in_with_key(page, site, "kira")

    page.goto(f"{site.url}/account/two-factor/")
    page.get_by_role("row", name=re.compile("second key")).get_by_role("button").click()
    expect(page.get_by_role("status")).to_contain_text("The security key was removed")
    expect(page.get_by_role("row", name=re.compile("second key"))).to_have_count(0)
    expect(page.get_by_role("row", name=re.compile("first key"))).to_be_visible()


def test_a_recovery_code_logs_in_once(page, index, smtp_server):
    created = index.cli(
        "user",
        "create",
        "rory",
        "--email",
        "rory@example.org",
        "--password-stdin",
        "--totp",
        input=PASSWORD + "\n",
    ).stdout
    codes = re.findall(r"\b[a-z2-9]{5}-[a-z2-9]{5}\b", created)
    assert len(codes) == 8, created
    site = at_localhost(index)

    before = len(smtp_server.messages)
    password_step(page, site, "rory")
    page.get_by_role("link", name="Use a recovery code instead").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("7 are left")
    used = smtp_server.wait_for(
        to="rory@example.org", subject="recovery code was used", after=before
    )
    assert "7 codes are left" in Mailbox.body(used)
    log_out(page)

    password_step(page, site, "rory")
    page.get_by_role("link", name="Use a recovery code instead").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("already used")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_publish_policy_refuses_an_upload_until_a_factor_is_added(
    page, index, smtp_server, tmp_path: Path
):
    index.cli(
        "user",
        "create",
        "paul",
        "--email",
        "paul@example.org",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    token = index.create_token("paul")
    wheel, _sdist = Dist("paul-pkg").write(tmp_path / "dist")

    refused = twine_upload(index, token, wheel, env=isolated_client_env(), check=False)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "two-factor authentication" in output
    assert "/account/two-factor/" in output

    site = at_localhost(index)
    log_in(page, site, username="paul", password=PASSWORD)
    enrol_app(page, site)

    accepted = twine_upload(index, token, wheel, env=isolated_client_env())
    assert accepted.returncode == 0
