"""Steps a person takes in the browser, shared by the browser tests.

Each helper drives real pages through their labels and buttons (as a person, or a screen
reader, finds them), and checks that the step worked before returning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyotp
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


def add_authenticator_app(page: Page, index: RunningIndex) -> str:
    """Set up an authenticator app on /account/two-factor/ and return its secret.

    Uploads need a second factor under the default policy (``STOCKADE_REQUIRE_2FA=publish``).
    """
    page.goto(f"{index.url}/account/two-factor/")
    page.get_by_role("link", name="Set up an authenticator app").click()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    return secret


def log_out(page: Page) -> None:
    """Press "Log out" in the header and check that "Log in" is offered again."""
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def create_token(
    page: Page, index: RunningIndex, *, name: str, projects: Sequence[str] = ()
) -> str:
    """Create an API token on /manage/tokens/ and return the secret the page shows once.

    With no ``projects`` the token is scoped to all the user's projects; otherwise to the
    projects ticked in the "Projects" group.
    """
    page.goto(f"{index.url}/manage/tokens/")
    page.get_by_role("link", name="Create a token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an API token")
    page.get_by_label("Name").fill(name)
    if projects:
        page.get_by_label("Scope").select_option(label="Only the projects chosen below")
        group = page.get_by_role("group", name="Projects")
        for project in projects:
            group.get_by_label(project, exact=True).check()
    else:
        page.get_by_label("Scope").select_option(label="All my projects, including new ones")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new API token")
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    secret = page.locator("code#new-token").inner_text().strip()
    assert secret.startswith("stockade-"), secret
    return secret


def revoke_token(page: Page, index: RunningIndex, *, name: str) -> None:
    """Revoke the token called ``name`` from /manage/tokens/ and check it left the list."""
    page.goto(f"{index.url}/manage/tokens/")
    page.get_by_role("link", name=f"Revoke {name}…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Revoke {name}")
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_role("status")).to_contain_text(f"Revoked the token {name}.")
    expect(page.get_by_role("row", name=name)).to_have_count(0)


def invite_collaborator(
    page: Page, index: RunningIndex, *, project: str, username: str, role: str = "Maintainer"
) -> None:
    """As an owner, invite ``username`` from the project's collaborators page."""
    page.goto(f"{index.url}/manage/project/{project}/")
    page.get_by_role("link", name="Collaborators").click()
    page.get_by_label("Username").fill(username)
    # "Role of <member>" labels the members' role pickers above the form.
    page.get_by_label(re.compile(r"^Role\b(?! of)")).select_option(label=role)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"Invited {username}.")
    expect(page.get_by_text(f"{username} as {role}")).to_be_visible()


def yank_release(
    page: Page, index: RunningIndex, *, project: str, version: str, reason: str
) -> None:
    """As an owner, yank a release from its management page, giving ``reason``."""
    page.goto(f"{index.url}/manage/project/{project}/")
    page.get_by_role("link", name=version, exact=True).click()
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Yank this release").click()
    expect(page.get_by_role("status")).to_contain_text("Yanked")
    expect(page.get_by_text("This release is yanked")).to_be_visible()
    expect(page.get_by_text(f"Reason: {reason}")).to_be_visible()
