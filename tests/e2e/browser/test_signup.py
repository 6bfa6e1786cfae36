"""A newcomer in Chromium: sign up, verify the address from the mail, log in, log out."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.browser.pages import log_in, log_out, sign_up, verify_email
from tests.e2e.harness import RunningIndex, start_index

PASSWORD = "amber-lantern-river-58"


def test_sign_up_verify_log_in_and_out(page, index, smtp_server):
    before = len(smtp_server.messages)
    sign_up(page, index, username="browser-newbie", email="newbie@example.org", password=PASSWORD)

    message = smtp_server.wait_for(to="newbie@example.org", after=before)
    assert "Verify your email address" in message["Subject"]
    verify_email(page, smtp_server, email="newbie@example.org", after=before)

    log_in(page, index, username="browser-newbie", password=PASSWORD)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account settings")
    row = page.get_by_role("row", name="newbie@example.org")
    expect(row).to_contain_text("Primary")
    expect(row).to_contain_text("verified")
    log_out(page)


def test_login_rate_limit_answers_429_in_the_browser(new_page, tmp_path):
    # Its own server: once the limit is reached, every login from 127.0.0.1 is refused for
    # the rest of the window, which would break other tests sharing a server.
    limited: RunningIndex = start_index(tmp_path / "index")
    try:
        page = new_page()
        page.goto(f"{limited.url}/account/login/")
        for _ in range(10):
            page.get_by_label("User name").fill("somebody")
            page.get_by_label("Password").fill("wrong-password")
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("alert")).to_contain_text("not right")
        page.get_by_label("User name").fill("somebody")
        page.get_by_label("Password").fill("wrong-password")
        with page.expect_response(lambda r: r.url.endswith("/account/login/")) as answer:
            page.get_by_role("button", name="Log in").click()
        assert answer.value.status == 429
        assert 0 < int(answer.value.headers["retry-after"]) <= 300
        expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
        expect(page.get_by_role("alert")).to_contain_text("Try again in about")
    finally:
        limited.close()
