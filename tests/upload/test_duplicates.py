"""Files are immutable: an identical re-upload is a no-op, any other reuse of a name is refused."""

from __future__ import annotations

import pytest

from stockade.audit.actors import actor_for_cli
from stockade.packaging.models import File, Release, UsedFilename
from stockade.packaging.services import remove_file
from tests.distributions import Dist
from tests.upload.checks import assert_refused

pytestmark = pytest.mark.django_db

DIST = Dist("demo")


@pytest.fixture
def uploaded(upload, owner_token) -> File:
    """``demo-1.0-py3-none-any.whl``, accepted."""
    assert upload(owner_token, DIST).status_code == 200
    return File.objects.get()


def test_identical_file_again_is_a_no_op(upload, owner_token, uploaded, snapshot_state):
    state = snapshot_state()
    response = upload(owner_token, DIST)
    assert response.status_code == 200
    assert b"already exists, unchanged" in response.content
    state.assert_unchanged()
    assert File.objects.get() == uploaded


def test_same_filename_with_other_bytes_is_refused(upload, owner_token, uploaded, snapshot_state):
    state = snapshot_state()
    changed = Dist("demo", module_body="VALUE = 43\n").wheel()
    response = upload(owner_token, DIST, content=changed)
    assert_refused(response, 409, "File already exists", "was uploaded before with other contents")
    state.assert_unchanged()


def test_filename_of_a_deleted_file_is_never_reused(
    upload, owner, owner_token, uploaded, snapshot_state, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        remove_file(
            actor=actor_for_cli(owner),
            project_name="demo",
            version="1.0",
            filename=DIST.wheel_filename,
        )
    assert not File.objects.exists()
    assert UsedFilename.objects.filter(filename=DIST.wheel_filename).exists()
    state = snapshot_state()
    changed = Dist("demo", module_body="VALUE = 43\n").wheel()
    response = upload(owner_token, DIST, content=changed)
    assert_refused(response, 409, "File already exists", "never reused")
    state.assert_unchanged()


def test_identical_bytes_of_a_deleted_file_are_refused_too(
    upload, owner, owner_token, uploaded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        remove_file(
            actor=actor_for_cli(owner),
            project_name="demo",
            version="1.0",
            filename=DIST.wheel_filename,
        )
    assert_refused(upload(owner_token, DIST), 409, "never reused")


def test_same_bytes_under_another_filename_are_refused(
    upload, owner_token, uploaded, snapshot_state
):
    state = snapshot_state()
    response = upload(owner_token, DIST, filename="demo-1.0-py2.py3-none-any.whl")
    assert_refused(response, 409, "these bytes were already uploaded as", DIST.wheel_filename)
    state.assert_unchanged()


def test_second_sdist_for_a_release_is_refused(upload, owner_token, snapshot_state):
    assert upload(owner_token, DIST, kind="sdist").status_code == 200
    # Version 1.0.0 is the same release as 1.0, so its (differently named) sdist is a second one.
    again = Dist("demo", version="1.0.0")
    state = snapshot_state()
    response = upload(owner_token, again, kind="sdist")
    assert_refused(response, 409, "Only one sdist may be uploaded per release", "demo 1.0.0")
    state.assert_unchanged()


def test_wheel_and_sdist_share_one_release(upload, owner_token, uploaded):
    assert upload(owner_token, DIST, kind="sdist").status_code == 200
    assert Release.objects.count() == 1
    assert File.objects.count() == 2


def test_several_wheels_of_one_release_are_accepted(upload, owner_token, uploaded):
    response = upload(
        owner_token,
        Dist("demo", module_body="VALUE = 1\n"),
        filename="demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
    )
    assert response.status_code == 200, response.content
    assert File.objects.filter(release__version="1.0").count() == 2


def test_filename_taken_by_another_project_is_refused(
    upload, owner_token, outsider_token, uploaded
):
    # A project named "Demo" is the same project, so an outsider cannot reach the filename either.
    response = upload(outsider_token, Dist("demo", module_body="X = 1\n"))
    assert response.status_code in {403, 409}
    assert File.objects.count() == 1
