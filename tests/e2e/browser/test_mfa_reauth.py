"""Re-authentication in Chromium: creating a token asks for the password and the app's code.

This module's index asks every time (``STOCKADE_REAUTH_MINUTES=0``), so the request comes right
after logging in instead of after a quarter of an hour.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import Mailbox
from tests.e2e.browser.test_mfa import CODE_LABEL, PASSWORD, at_localhost
from tests.e2e.harness import RunningIndex, start_index


@pytest.fixture(scope="module")
def index(tmp_path_factory, smtp_server: Mailbox) -> Iterator[RunningIndex]:
    running = start_index(
        tmp_path_factory.mktemp("index"),
        STOCKADE_EMAIL_URL=smtp_server.url,
        STOCKADE_REAUTH_MINUTES="0",
    )
    yield running
    running.close()


def test_creating_a_token_asks_to_reauthenticate(page, index):
    created = index.cli(
        "user",
        "create",
        "remy",
        "--email",
        "remy@example.org",
        "--password-stdin",
        "--totp",
        input=PASSWORD + "\n",
    ).stdout
    secret = re.search(r"secret=([A-Z2-7]+)", created).group(1)
    site = at_localhost(index)

    page.goto(f"{site.url}/account/login/")
    page.get_by_label("User name").fill("remy")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label(CODE_LABEL).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"{site.url}/manage/tokens/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Second step")
    page.get_by_label(CODE_LABEL).fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Create an API token")
    page.get_by_label("Name").fill("laptop")
    page.get_by_label("Scope").select_option(label="All my projects, including new ones")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new API token")
