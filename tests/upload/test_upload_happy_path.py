"""The upload endpoint accepts what twine sends and records it completely."""

from __future__ import annotations

import pytest

from stockade.packaging.models import File, Project, Role
from tests.distributions import Dist

pytestmark = pytest.mark.django_db(transaction=True)


def test_first_upload_creates_project_with_uploader_as_owner(
    upload, owner, owner_token, package_storage
):
    response = upload(owner_token, Dist("Hello-World"))
    assert response.status_code == 200, response.content
    project = Project.objects.get()
    assert (project.name, project.normalized_name) == ("Hello-World", "hello-world")
    assert Role.objects.get(project=project).user == owner
    file = File.objects.get()
    assert (package_storage / file.path).is_file()
    assert (package_storage / f"{file.path}.metadata").is_file()
    assert (package_storage / "simple/hello-world/index.html").is_file()
    assert (package_storage / "simple/index.json").is_file()


def test_same_file_again_is_a_no_op(upload, owner_token):
    dist = Dist("again")
    assert upload(owner_token, dist).status_code == 200
    second = upload(owner_token, dist)
    assert second.status_code == 200
    assert File.objects.count() == 1
