"""Steps a person takes in the browser, shared by the browser tests.

Each helper drives real pages through their labels and buttons (as a person, or a screen
reader, finds them), and checks that the step worked before returning.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import Mailbox
from tests.e2e.harness import RunningIndex


def sign_up(page: Page, index: RunningIndex, *, username: str, email: str, password: str) -> None:
    """Fill in the registration form and check the "check your email" page."""
    page.goto(f"{index.url}/account/register/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Email address").fill(email)
    page.get_by_label(re.compile(r"^Password\b(?! again)")).fill(password)
    page.get_by_label("Password again").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")


def verify_email(page: Page, mailbox: Mailbox, *, email: str, after: int = 0) -> None:
    """Open the verification link mailed to ``email`` and check that it worked."""
    message = mailbox.wait_for(to=email, subject="Verify", after=after)
    [link] = [link for link in Mailbox.links(message) if "/account/verify/" in link]
    page.goto(link)
    expect(page.get_by_role("status")).to_contain_text(f"{email} is verified")


def log_in(page: Page, index: RunningIndex, *, username: str, password: str) -> None:
    """Log in through the login page and check that the header offers "Log out"."""
    page.goto(f"{index.url}/account/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    """Press "Log out" in the header and check that "Log in" is offered again."""
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
