"""The web UI end to end, in Debian's Chromium, against a real ``stockade serve``.

Two people sign up (the verification links arrive through a real SMTP server), the first
publishes with twine using tokens made in the browser, invites the second, yanks a release and
revokes the token; a leaked-token report over real HTTP revokes a token only when it is signed.

The index runs with ``STOCKADE_REQUIRE_2FA=off`` so that these tests exercise the web UI alone;
two-factor authentication has its own tests.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import Page, expect

from tests.distributions import Dist
from tests.e2e.browser.conftest import Mailbox
from tests.e2e.browser.pages import (
    add_authenticator_app,
    create_token,
    invite_collaborator,
    log_in,
    revoke_token,
    sign_up,
    verify_email,
    yank_release,
)
from tests.e2e.clients import fetch, twine_upload
from tests.e2e.harness import RunningIndex, isolated_client_env, start_index

JSON_V1 = "application/vnd.pypi.simple.v1+json"
PROJECT = "lantern-tools"
REVOKED = "This API token has been revoked"
# A README whose script and event handler would set the title and ``window.__pwned`` if they
# ever reached the page.
README = """\
# Lantern Tools

Light for *dark* corners.

<script>document.title = "pwned"; window.__pwned = "script";</script>

<img src="data:," onerror="window.__pwned = 'onerror'" alt="lantern">
"""

# The leak reporter the index trusts (its public key is in STOCKADE_SECRET_REPORTERS).
REPORTER = "scanner"
REPORTER_KEY = ec.generate_private_key(ec.SECP256R1())


def _public_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, smtp_server: Mailbox) -> Iterator[RunningIndex]:
    running = start_index(
        tmp_path_factory.mktemp("index"),
        STOCKADE_EMAIL_URL=smtp_server.url,
        STOCKADE_REQUIRE_2FA="off",
        STOCKADE_SECRET_REPORTERS=json.dumps({REPORTER: _public_pem(REPORTER_KEY)}),
    )
    yield running
    running.close()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return isolated_client_env(PIP_CACHE_DIR=str(tmp_path / "pip-cache"))


def _output(result) -> str:
    """twine's output with rich's line wrapping undone."""
    return " ".join((result.stdout + result.stderr).split())


def _dist(tmp_path: Path, version: str, name: str = PROJECT) -> tuple[Path, Path]:
    return Dist(name, version=version, summary="Lanterns for Python", description=README).write(
        tmp_path / f"{name}-{version}"
    )


def _simple_json(index: RunningIndex, project: str) -> dict:
    reply = fetch(f"{index.simple_url}{project}/", headers={"Accept": JSON_V1})
    assert reply.status == 200, reply
    return reply.json()


def _join(page: Page, index: RunningIndex, mailbox: Mailbox, username: str) -> str:
    """Sign up, verify the address from the mail and log in; return the address."""
    address = f"{username}@example.org"
    before = len(mailbox.messages)
    sign_up(page, index, username=username, email=address, password=f"{username}-Pa55-lantern")
    verify_email(page, mailbox, email=address, after=before)
    log_in(page, index, username=username, password=f"{username}-Pa55-lantern")
    # Uploads need a second factor under the default policy.
    add_authenticator_app(page, index)
    return address


def test_publish_collaborate_yank_and_revoke(new_page, index, smtp_server, env, tmp_path):
    alice, bob = new_page(), new_page()
    _join(alice, index, smtp_server, "alice")
    bob_address = _join(bob, index, smtp_server, "bob")

    # The token form only offers projects that exist: a token for all of Alice's projects
    # creates the project, then a token scoped to it publishes the next release.
    everything = create_token(alice, index, name="first upload")
    twine_upload(index, everything, *_dist(tmp_path, "1.0"), env=env)
    scoped = create_token(alice, index, name="CI for lantern-tools", projects=[PROJECT])
    alice.goto(f"{index.url}/manage/tokens/")
    expect(alice.get_by_role("row", name="CI for lantern-tools")).to_contain_text(PROJECT)
    expect(alice.get_by_role("row", name="first upload")).to_contain_text("All your projects")
    revoke_token(alice, index, name="first upload")
    uploaded = twine_upload(index, scoped, *_dist(tmp_path, "2.0"), env=env)
    assert "lantern_tools-2.0-py3-none-any.whl" in _output(uploaded)
    # The scope holds: the token cannot create another project.
    elsewhere = twine_upload(
        index, scoped, *_dist(tmp_path, "1.0", "other-lamp"), env=env, check=False
    )
    assert elsewhere.returncode != 0, _output(elsewhere)
    assert "403" in _output(elsewhere), _output(elsewhere)

    # The public page renders the README, and nothing in it runs.
    with alice.expect_response(f"{index.url}/project/{PROJECT}/") as answer:
        alice.goto(f"{index.url}/project/{PROJECT}/")
    assert answer.value.status == 200
    expect(alice.get_by_role("heading", level=1)).to_contain_text(PROJECT)
    expect(alice.get_by_role("heading", level=1)).to_contain_text("2.0")
    readme = alice.locator(".readme")
    expect(readme.get_by_role("heading", name="Lantern Tools")).to_be_visible()
    expect(readme.locator("em")).to_have_text("dark")
    expect(readme.locator("script")).to_have_count(0)
    expect(readme.locator("[onerror]")).to_have_count(0)
    assert alice.evaluate("typeof window.__pwned") == "undefined"
    assert "pwned" not in alice.title()
    inline = alice.evaluate(
        "[...document.scripts].filter(s => s.textContent.includes('__pwned')).length"
    )
    assert inline == 0
    # Escaped into text at most, never markup.
    assert "<script>document.title" not in answer.value.text()
    assert "onerror" not in answer.value.text()

    # Alice invites Bob as a maintainer; Bob follows the mailed link and accepts.
    before = len(smtp_server.messages)
    invite_collaborator(alice, index, project=PROJECT, username="bob", role="Maintainer")
    invitation = smtp_server.wait_for(to=bob_address, subject="invited you", after=before)
    assert PROJECT in invitation["Subject"]
    [link] = [link for link in Mailbox.links(invitation) if "/manage/invitations/" in link]
    bob.goto(link)
    expect(bob.get_by_role("heading", level=1)).to_have_text("Pending invitations")
    expect(bob.get_by_text("alice invited you to become Maintainer.")).to_be_visible()
    bob.get_by_role("button", name=f"Accept invitation to {PROJECT}").click()
    expect(bob.get_by_role("status")).to_contain_text(f"You are now Maintainer of {PROJECT}.")
    expect(bob.get_by_role("heading", level=1)).to_have_text(f"Manage {PROJECT}")
    expect(bob.get_by_text("You are a maintainer")).to_be_visible()
    bob.get_by_role("link", name="Your projects", exact=True).click()
    expect(bob.get_by_role("row", name=PROJECT)).to_contain_text("Maintainer")
    expect(bob.get_by_role("link", name="0 pending invitations")).to_be_visible()

    alice.goto(f"{index.url}/manage/project/{PROJECT}/collaborators/")
    expect(alice.get_by_role("row", name="bob")).to_be_visible()
    expect(alice.get_by_label("Role of bob")).to_have_value("maintainer")
    expect(alice.get_by_text("No pending invitations.")).to_be_visible()

    # Alice yanks 1.0 with a reason: the project page and the simple API both say so.
    reason = "Burns the wick at both ends; use 2.0."
    yank_release(alice, index, project=PROJECT, version="1.0", reason=reason)
    alice.goto(f"{index.url}/project/{PROJECT}/")
    history = alice.get_by_role("listitem").filter(has=alice.get_by_role("link", name="1.0"))
    expect(history).to_contain_text("yanked")
    expect(history).to_contain_text(f"Reason: {reason}")
    alice.goto(f"{index.url}/project/{PROJECT}/1.0/")
    expect(alice.get_by_role("note").first).to_contain_text("This release is yanked.")
    expect(alice.get_by_role("note").first).to_contain_text(f"Reason: {reason}")
    files = _simple_json(index, PROJECT)["files"]
    assert {f["filename"]: f["yanked"] for f in files} == {
        "lantern_tools-1.0-py3-none-any.whl": reason,
        "lantern_tools-1.0.tar.gz": reason,
        "lantern_tools-2.0-py3-none-any.whl": False,
        "lantern_tools-2.0.tar.gz": False,
    }

    # Alice revokes the scoped token in the browser: twine's next upload is refused.
    revoke_token(alice, index, name="CI for lantern-tools")
    refused = twine_upload(index, scoped, *_dist(tmp_path, "3.0"), env=env, check=False)
    assert refused.returncode != 0
    assert "401 Unauthorized" in _output(refused), _output(refused)
    assert REVOKED in _output(refused), _output(refused)
    assert "3.0" not in _simple_json(index, PROJECT)["versions"]


def _report(index: RunningIndex, body: bytes, headers: dict[str, str]) -> tuple[int, object]:
    parts = index.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(parts[0], int(parts[1]), timeout=30)
    try:
        connection.request(
            "POST",
            "/_/secrets/disclose-token",
            body=body,
            headers={"Content-Type": "application/json", **headers},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def _signed(body: bytes, key: ec.EllipticCurvePrivateKey = REPORTER_KEY) -> str:
    return base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


def test_leaked_token_report_revokes_only_when_signed(index, smtp_server, env, tmp_path):
    index.create_user("leaky")
    secret = index.create_token("leaky")
    twine_upload(index, secret, *_dist(tmp_path, "1.0", "leaky-lamp"), env=env)
    body = json.dumps(
        [
            {
                "token": secret,
                "type": "stockade_api_token",
                "url": "https://example.com/leaky/ci.yml",
                "source": "content",
            }
        ]
    ).encode()
    impostor = ec.generate_private_key(ec.SECP256R1())
    tampered = body.replace(b"ci.yml", b"ci.yaml")
    refused = {
        "signed by another key": (body, {"X-Stockade-Signature": _signed(body, impostor)}),
        "body changed after signing": (tampered, {"X-Stockade-Signature": _signed(body)}),
        "unknown reporter": (body, {"X-Stockade-Reporter": "stranger"}),
        "no signature": (body, {"X-Stockade-Signature": ""}),
    }
    for why, (sent, headers) in refused.items():
        status, answer = _report(
            index,
            sent,
            {"X-Stockade-Reporter": REPORTER, "X-Stockade-Signature": _signed(sent), **headers},
        )
        assert 400 <= status < 500, (why, status, answer)
        assert "error" in answer, (why, answer)
    # Nothing was revoked: the token still uploads.
    twine_upload(index, secret, *_dist(tmp_path, "1.1", "leaky-lamp"), env=env)

    before = len(smtp_server.messages)
    status, answer = _report(
        index, body, {"X-Stockade-Reporter": REPORTER, "X-Stockade-Signature": _signed(body)}
    )
    assert status == 200, answer
    assert [entry["status"] for entry in answer] == ["revoked"]
    warning = smtp_server.wait_for(to="leaky@example.com", subject="revoked", after=before)
    assert "https://example.com/leaky/ci.yml" in Mailbox.body(warning)
    assert secret not in Mailbox.body(warning)

    refused_upload = twine_upload(
        index, secret, *_dist(tmp_path, "1.2", "leaky-lamp"), env=env, check=False
    )
    assert refused_upload.returncode != 0
    assert "401 Unauthorized" in _output(refused_upload), _output(refused_upload)
    assert REVOKED in _output(refused_upload), _output(refused_upload)
    assert _simple_json(index, "leaky-lamp")["versions"] == ["1.0", "1.1"]
