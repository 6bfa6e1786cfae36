"""Fixtures for browser tests: Debian's Chromium driven by Playwright, and a real SMTP server.

Fixtures (reuse them in any test under ``tests/e2e/browser/``):

* ``smtp_server`` (session): a :class:`Mailbox`, an aiosmtpd SMTP server on a free 127.0.0.1 port
  that keeps every message it receives. ``smtp_server.wait_for(to=…)`` returns the next message
  to an address; ``Mailbox.links(message)`` lists the links in its body.
* ``index`` (module): a running ``stockade serve`` (see ``tests/e2e/harness.py``) whose mail goes
  to ``smtp_server``. It overrides the ``index`` of ``tests/e2e/conftest.py`` for this folder, so
  ``index.create_user``, ``index.create_token`` and ``index.cli`` work the same.
* ``browser`` (session): Chromium launched from ``/usr/bin/chromium`` (never a downloaded build).
  A test is skipped, with the reason, when Chromium is not installed (``.ci/run`` installs it).
* ``new_page`` (function): a factory; each call opens a page in a fresh browser context (its own
  cookies), so one test can act as several people. ``page`` is one such page.

Page helpers for common steps (sign up, verify, log in, log out) are in ``pages.py`` beside
this file.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.e2e.harness import RunningIndex, free_port, start_index

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright waits at most this long for a page or an element, in milliseconds.
TIMEOUT_MS = 15_000


class Mailbox:
    """Messages received by the test SMTP server, in arrival order."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.messages: list[EmailMessage] = []
        self._arrived = threading.Condition()

    @property
    def url(self) -> str:
        """The ``STOCKADE_EMAIL_URL`` that sends mail here."""
        return f"smtp://{self.host}:{self.port}"

    def deliver(self, content: bytes) -> None:
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()

    def wait_for(
        self, *, to: str, subject: str = "", after: int = 0, timeout: float = 15
    ) -> EmailMessage:
        """Return the first message to ``to`` (and containing ``subject``) past index ``after``.

        Pass ``after=len(mailbox.messages)`` taken before an action to get only newer mail.
        """
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in self.messages[after:]:
                    if to.lower() in str(message["To"]).lower() and subject in str(
                        message["Subject"]
                    ):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(str(m["To"]), str(m["Subject"])) for m in self.messages]
                    raise AssertionError(f"no mail to {to} within {timeout}s; received {seen}")
                self._arrived.wait(remaining)

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None, message
        return part.get_content()

    @classmethod
    def links(cls, message: EmailMessage) -> list[str]:
        return re.findall(r"https?://[^\s<>\"]+", cls.body(message))


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.mailbox.deliver(envelope.original_content or envelope.content)
        return "250 Message accepted"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 that keeps every message (see :class:`Mailbox`)."""
    from aiosmtpd.controller import Controller

    # aiosmtpd logs every connection at INFO; keep test output to what matters.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    mailbox = Mailbox("127.0.0.1", free_port())
    controller = Controller(
        _Handler(mailbox), hostname=mailbox.host, port=mailbox.port, server_hostname="localhost"
    )
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, smtp_server: Mailbox) -> Iterator[RunningIndex]:
    """A running ``stockade serve`` for one test module, mailing through ``smtp_server``."""
    running = start_index(tmp_path_factory.mktemp("index"), STOCKADE_EMAIL_URL=smtp_server.url)
    yield running
    running.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright, shared by the whole session."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser) -> Iterator[Callable[..., object]]:
    """Open pages in fresh browser contexts: ``new_page(**context_options)``."""
    contexts = []

    def _new_page(**context_options):
        context = browser.new_context(**context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """One page in a fresh browser context."""
    return new_page()
