"""Who may upload: a live API token, for a project its user owns or maintains, or a new one."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from stockade.accounts.models import Email
from stockade.audit.actors import actor_for_cli
from stockade.packaging.models import File, Project, Role
from stockade.tokens.services import issue_token, revoke_token
from tests.conftest import basic_auth
from tests.distributions import Dist
from tests.upload.checks import assert_refused

pytestmark = pytest.mark.django_db

DIST = Dist("demo")


@pytest.fixture
def project(upload, owner_token) -> Project:
    """``demo`` 1.0 as a wheel, uploaded by its owner."""
    assert upload(owner_token, DIST).status_code == 200
    return Project.objects.get()


def _post(client, authorization: str | None, dist: Dist = DIST):
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = dist.form_fields("bdist_wheel")
    form["md5_digest"] = "0" * 32
    form["content"] = SimpleUploadedFile(dist.wheel_filename, dist.wheel())
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    return client.post("/legacy/", form, **extra)


# Authentication


def test_upload_without_credentials_is_refused_with_a_challenge(client, snapshot_state):
    state = snapshot_state()
    response = _post(client, None)
    assert_refused(response, 401, "Authentication required", "__token__")
    assert response["WWW-Authenticate"].startswith("Basic")
    state.assert_unchanged()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer abc",
        "Basic",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"\xff\xfe").decode(),
    ],
)
def test_upload_with_malformed_authorization_is_refused(client, db, header):
    response = _post(client, header)
    assert response.status_code == 401
    assert_refused(response, 401)


def test_upload_with_non_ascii_authorization_header_is_refused(client, db):
    assert_refused(
        _post(client, "Basic \u00e9\u00e9\u00e9\u00e9"), 401, "Authorization header is malformed"
    )


def test_upload_with_username_and_password_is_refused_with_a_token_hint(client, owner):
    response = _post(client, basic_auth("secret-password", username=owner.username))
    assert_refused(response, 401, "use an API token", "username __token__")


@pytest.mark.parametrize(
    "token", ["", "pypi-AgEIcHlwaS5vcmc", "stockade-", "stockade-bm90IGEgbWFjYXJvb24"]
)
def test_upload_with_invalid_token_is_refused(client, db, token):
    assert_refused(_post(client, basic_auth(token)), 401, "Invalid API token")


def test_upload_with_tampered_token_is_refused(client, owner_token):
    tampered = owner_token[:-4] + ("AAAA" if not owner_token.endswith("AAAA") else "BBBB")
    assert_refused(_post(client, basic_auth(tampered)), 401, "Invalid API token")


def test_upload_with_token_of_a_deleted_row_is_refused(client, owner):
    token, secret = issue_token(actor=actor_for_cli(owner), user=owner, name="gone")
    token.delete()
    assert_refused(_post(client, basic_auth(secret)), 401, "Invalid API token")


def test_upload_with_revoked_token_is_refused(client, owner, snapshot_state):
    token, secret = issue_token(actor=actor_for_cli(owner), user=owner, name="revoked")
    revoke_token(actor=actor_for_cli(), token=token)
    state = snapshot_state()
    assert_refused(_post(client, basic_auth(secret)), 401, "has been revoked")
    state.assert_unchanged()


def test_upload_with_expired_token_is_refused(client, owner):
    _token, secret = issue_token(
        actor=actor_for_cli(owner),
        user=owner,
        name="old",
        expires=timezone.now() - timedelta(days=1),
    )
    assert_refused(_post(client, basic_auth(secret)), 401, "API token expired at")


def test_upload_with_token_not_yet_valid_is_refused(client, owner):
    later = timezone.now() + timedelta(days=1)
    _token, secret = issue_token(
        actor=actor_for_cli(owner), user=owner, name="later", not_before=later
    )
    assert_refused(_post(client, basic_auth(secret)), 401, "is not valid before")


def test_upload_with_token_valid_now_is_accepted(upload, owner):
    now = timezone.now()
    _token, secret = issue_token(
        actor=actor_for_cli(owner),
        user=owner,
        name="window",
        not_before=now - timedelta(minutes=1),
        expires=now + timedelta(hours=1),
    )
    assert upload(secret, DIST).status_code == 200


# Authorization


def test_project_scoped_token_is_refused_for_another_project(upload, owner, snapshot_state):
    _token, secret = issue_token(
        actor=actor_for_cli(owner), user=owner, name="scoped", projects=["other"]
    )
    state = snapshot_state()
    response = upload(secret, DIST)
    assert_refused(response, 403, "limited to the project(s) other", "cannot be used for 'demo'")
    state.assert_unchanged()


def test_project_scoped_token_may_upload_to_its_project(upload, owner, project):
    _token, secret = issue_token(
        actor=actor_for_cli(owner), user=owner, name="scoped", projects=["Demo"]
    )
    assert upload(secret, DIST, kind="sdist").status_code == 200


def test_outsider_cannot_upload_to_someone_elses_project(
    upload, outsider_token, project, snapshot_state
):
    state = snapshot_state()
    response = upload(outsider_token, DIST, kind="sdist")
    assert_refused(response, 403, "'oscar' is not an owner or maintainer of 'demo'", "collaborator")
    state.assert_unchanged()


def test_outsider_cannot_replay_an_existing_file_as_a_no_op(upload, outsider_token, project):
    assert_refused(upload(outsider_token, DIST), 403, "is not an owner or maintainer")


def test_outsider_spelling_the_name_differently_is_still_refused(upload, outsider_token, project):
    response = upload(outsider_token, Dist("DEMO"), filename="DEMO-1.0-py3-none-any.whl")
    assert response.status_code in {400, 403}
    assert File.objects.count() == 1


def test_maintainer_may_upload(upload, maintainer, maintainer_token, project):
    Role.objects.create(user=maintainer, project=project, role=Role.Name.MAINTAINER)
    response = upload(maintainer_token, DIST, kind="sdist")
    assert response.status_code == 200, response.content
    assert File.objects.count() == 2


def test_user_without_verified_primary_email_is_refused(upload, owner, owner_token, snapshot_state):
    Email.objects.filter(user=owner).update(verified=False)
    state = snapshot_state()
    response = upload(owner_token, DIST)
    assert_refused(response, 403, "Verify your primary email address")
    state.assert_unchanged()


def test_verified_address_that_is_not_primary_does_not_count(upload, owner, owner_token):
    Email.objects.filter(user=owner).update(verified=False)
    Email.objects.create(user=owner, email="second@example.com", verified=True, primary=False)
    assert_refused(upload(owner_token, DIST), 403, "Verify your primary email address")


def test_disabled_account_is_refused(upload, owner, owner_token):
    owner.is_active = False
    owner.save()
    assert_refused(upload(owner_token, DIST), 403, "This account is disabled")


def test_first_upload_makes_the_uploader_owner(upload, owner, owner_token):
    assert upload(owner_token, DIST).status_code == 200
    assert Role.objects.get().role == Role.Name.OWNER
