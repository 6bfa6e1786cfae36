"""The /manage/ pages: owners yank and delete; maintainers see read-only; outsiders get 403."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from stockade.packaging.models import File, Project, Release, UsedFilename
from tests.distributions import Dist

pytestmark = pytest.mark.django_db

WHEEL = Dist("widget").wheel_filename


def _urls() -> dict[str, str]:
    return {
        "project": reverse("packaging:manage-project", args=["widget"]),
        "release": reverse("packaging:manage-release", args=["widget", "1.0"]),
        "yank": reverse("packaging:yank-release", args=["widget", "1.0"]),
        "unyank": reverse("packaging:unyank-release", args=["widget", "1.0"]),
        "delete-project": reverse("packaging:delete-project", args=["widget"]),
        "delete-release": reverse("packaging:delete-release", args=["widget", "1.0"]),
        "delete-file": reverse("packaging:delete-file", args=["widget", "1.0", WHEEL]),
    }


def test_pages_need_login(client, project):
    response = client.get(reverse("packaging:manage-projects"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_projects_page_lists_own_projects_with_role(client, project, maintainer):
    client.force_login(maintainer)
    response = client.get(reverse("packaging:manage-projects"))
    assert response.status_code == 200
    assert b"widget" in response.content
    assert b"Maintainer" in response.content
    assert b"<h1>" in response.content


def test_projects_page_of_outsider_is_empty(client, project, outsider):
    client.force_login(outsider)
    response = client.get(reverse("packaging:manage-projects"))
    assert response.status_code == 200
    assert b"widget" not in response.content


def test_owner_sees_management_controls(client, project, owner):
    client.force_login(owner)
    urls = _urls()
    page = client.get(urls["project"])
    assert page.status_code == 200
    assert urls["delete-project"].encode() in page.content
    release = client.get(urls["release"])
    assert urls["yank"].encode() in release.content
    assert urls["delete-file"].encode() in release.content


def test_maintainer_sees_read_only_pages(client, project, maintainer):
    client.force_login(maintainer)
    urls = _urls()
    page = client.get(urls["project"])
    assert page.status_code == 200
    assert urls["delete-project"].encode() not in page.content
    release = client.get(urls["release"])
    assert release.status_code == 200
    assert urls["yank"].encode() not in release.content
    assert urls["delete-file"].encode() not in release.content


def test_outsider_gets_403_everywhere(client, project, outsider):
    client.force_login(outsider)
    urls = _urls()
    for name in ("project", "release", "delete-project", "delete-release", "delete-file"):
        assert client.get(urls[name]).status_code == 403, name
    assert client.post(urls["yank"], {"reason": "x"}).status_code == 403
    assert client.post(urls["unyank"]).status_code == 403
    assert client.post(urls["delete-project"], {"confirm": "widget"}).status_code == 403
    assert client.post(urls["delete-release"], {"confirm": "1.0"}).status_code == 403
    assert client.post(urls["delete-file"], {"confirm": WHEEL}).status_code == 403
    assert Project.objects.exists()
    assert File.objects.count() == 2
    assert not Release.objects.filter(yanked=True).exists()


def test_maintainer_cannot_yank_or_delete(client, project, maintainer):
    client.force_login(maintainer)
    urls = _urls()
    assert client.post(urls["yank"], {"reason": "x"}).status_code == 403
    assert client.get(urls["delete-project"]).status_code == 403
    assert client.post(urls["delete-project"], {"confirm": "widget"}).status_code == 403
    assert client.post(urls["delete-file"], {"confirm": WHEEL}).status_code == 403
    assert File.objects.count() == 2


def test_unknown_project_or_release_is_404(client, project, owner):
    client.force_login(owner)
    assert client.get(reverse("packaging:manage-project", args=["nope"])).status_code == 404
    assert client.get(reverse("packaging:manage-release", args=["widget", "9"])).status_code == 404
    missing = reverse("packaging:delete-file", args=["widget", "1.0", "nope.whl"])
    assert client.get(missing).status_code == 404


def test_owner_yanks_with_reason_and_unyanks(client, project, owner):
    client.force_login(owner)
    urls = _urls()
    response = client.post(urls["yank"], {"reason": "security bug"})
    assert response.status_code == 302
    release = Release.objects.get(version="1.0")
    assert (release.yanked, release.yanked_reason) == (True, "security bug")
    page = client.get(urls["release"])
    assert b"security bug" in page.content
    assert client.post(urls["unyank"]).status_code == 302
    assert not Release.objects.get(version="1.0").yanked


def test_yank_needs_post(client, project, owner):
    client.force_login(owner)
    assert client.get(_urls()["yank"]).status_code == 405


def test_forms_are_csrf_protected(project, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    urls = _urls()
    assert client.post(urls["yank"], {"reason": "x"}).status_code == 403
    assert client.post(urls["delete-project"], {"confirm": "widget"}).status_code == 403
    assert Project.objects.exists()
    page = client.get(urls["release"])
    assert b"csrfmiddlewaretoken" in page.content


def test_delete_file_needs_the_typed_filename(client, project, owner):
    client.force_login(owner)
    url = _urls()["delete-file"]
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="confirm"' in page.content
    wrong = client.post(url, {"confirm": "widget"})
    assert wrong.status_code == 400
    assert File.objects.filter(filename=WHEEL).exists()
    right = client.post(url, {"confirm": WHEEL})
    assert right.status_code == 302
    assert not File.objects.filter(filename=WHEEL).exists()
    assert UsedFilename.objects.filter(filename=WHEEL).exists()


def test_delete_release_needs_the_typed_version(client, project, owner):
    client.force_login(owner)
    url = _urls()["delete-release"]
    assert client.post(url, {"confirm": "2.0"}).status_code == 400
    assert client.post(url, {"confirm": "1.0"}).status_code == 302
    assert list(Release.objects.values_list("version", flat=True)) == ["2.0"]


def test_delete_project_needs_the_typed_name(client, project, owner):
    client.force_login(owner)
    url = _urls()["delete-project"]
    assert client.post(url, {"confirm": ""}).status_code == 400
    assert client.post(url, {"confirm": "gadget"}).status_code == 400
    assert Project.objects.exists()
    response = client.post(url, {"confirm": "widget"})
    assert response.status_code == 302
    assert response["Location"] == reverse("packaging:manage-projects")
    assert not Project.objects.exists()
