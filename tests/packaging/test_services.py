"""Packaging services check the actor's role; the operator (the CLI) may do anything."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from stockade.packaging.exceptions import (
    NotACollaboratorError,
    PermissionDeniedError,
    ProjectNotFoundError,
)
from stockade.packaging.models import File, Project, Release, UsedFilename
from stockade.packaging.services import (
    get_project_for_member,
    list_projects_for_user,
    remove_file,
    remove_project,
    remove_release,
    set_release_yanked,
)
from tests.distributions import Dist
from tests.packaging.conftest import acting

pytestmark = pytest.mark.django_db


def test_owner_yanks_and_unyanks_with_reason(project, owner):
    release = set_release_yanked(
        project_name="Widget", version="1.0", yanked=True, reason="broken", actor=acting(owner)
    )
    assert (release.yanked, release.yanked_reason) == (True, "broken")
    release = set_release_yanked(
        project_name="widget", version="1", yanked=False, actor=acting(owner)
    )
    assert (release.yanked, release.yanked_reason) == (False, "")


def test_maintainer_cannot_yank(project, maintainer):
    with pytest.raises(PermissionDeniedError):
        set_release_yanked(
            project_name="widget", version="1.0", yanked=True, actor=acting(maintainer)
        )
    assert not Release.objects.get(version="1.0").yanked


def test_outsider_cannot_yank(project, outsider):
    with pytest.raises(NotACollaboratorError):
        set_release_yanked(
            project_name="widget", version="1.0", yanked=True, actor=acting(outsider)
        )


@pytest.mark.parametrize("who", ["maintainer", "outsider"])
def test_only_owners_remove(project, request, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDeniedError):
        remove_project(project_name="widget", actor=acting(actor))
    with pytest.raises(PermissionDeniedError):
        remove_release(project_name="widget", version="1.0", actor=acting(actor))
    filename = Dist("widget").wheel_filename
    with pytest.raises(PermissionDeniedError):
        remove_file(project_name="widget", version="1.0", filename=filename, actor=acting(actor))
    assert File.objects.count() == 2


def test_owner_removes_file_and_its_name_stays_used(
    project, owner, owner_token, upload, django_capture_on_commit_callbacks, package_storage
):
    dist = Dist("widget")
    file = File.objects.get(filename=dist.wheel_filename)
    with django_capture_on_commit_callbacks(execute=True):
        remove_file(
            project_name="widget", version="1.0", filename=file.filename, actor=acting(owner)
        )
    assert not File.objects.filter(filename=file.filename).exists()
    assert not (package_storage / file.path).exists()
    assert UsedFilename.objects.filter(filename=file.filename).exists()
    again = upload(owner_token, dist)
    assert again.status_code == 409, again.content


def test_owner_removes_release_and_project(project, owner):
    remove_release(project_name="widget", version="2.0", actor=acting(owner))
    assert list(Release.objects.values_list("version", flat=True)) == ["1.0"]
    remove_project(project_name="widget", actor=acting(owner))
    assert not Project.objects.exists()
    assert UsedFilename.objects.count() == 2


def test_cli_commands_act_as_the_operator(project):
    call_command("yank", "widget", "1.0", "--reason", "bad")
    assert Release.objects.get(version="1.0").yanked
    call_command("unyank", "widget", "1.0")
    assert not Release.objects.get(version="1.0").yanked
    call_command("remove", "widget", "--yes")
    assert not Project.objects.exists()


def test_list_projects_for_user_lists_roles(project, owner, maintainer, outsider):
    assert [r.role for r in list_projects_for_user(user=owner)] == ["owner"]
    assert [r.role for r in list_projects_for_user(user=maintainer)] == ["maintainer"]
    assert list_projects_for_user(user=outsider) == []


def test_get_project_for_member_refuses_outsiders(project, outsider):
    with pytest.raises(NotACollaboratorError):
        get_project_for_member(user=outsider, project_name="widget")
    with pytest.raises(ProjectNotFoundError):
        get_project_for_member(user=outsider, project_name="nope")
