"""The staff review pages under /admin/names/."""

from __future__ import annotations

import pytest

from stockade.audit.actors import actor_for_cli
from stockade.names import services
from stockade.names.models import NameException, ProhibitedName
from stockade.packaging.models import Project


@pytest.fixture
def staff(owner):
    owner.is_staff = True
    owner.save()
    return owner


@pytest.fixture
def held(protected_names, outsider, settings):
    settings.STOCKADE_NAMES_REFUSE_TOP = 0
    verdict = services.check_project_name(name="reqeusts", user=outsider)
    return services.reserve_held_project(
        name="reqeusts", user=outsider, actor=actor_for_cli(outsider), verdict=verdict
    )


def test_review_list_shows_rule_and_resembled_name(client, staff, held):
    client.force_login(staff)
    page = client.get("/admin/names/").content.decode()
    assert "reqeusts" in page
    assert "typo-swapped-characters" in page
    assert "requests" in page


def test_outsider_gets_404(client, outsider, held):
    client.force_login(outsider)
    assert client.get("/admin/names/").status_code == 404
    assert client.post("/admin/names/held/reqeusts/approve/").status_code == 404
    assert Project.objects.get(pk=held.pk).held is True


def test_anonymous_is_sent_to_login(client):
    assert client.get("/admin/names/").status_code == 302


def test_approve_and_refuse(client, staff, held):
    client.force_login(staff)
    assert client.post("/admin/names/held/reqeusts/approve/").status_code == 302
    assert Project.objects.get(pk=held.pk).held is False
    assert client.post("/admin/names/held/reqeusts/refuse/").status_code == 404


def test_refuse_deletes(client, staff, held):
    client.force_login(staff)
    assert client.post("/admin/names/held/reqeusts/refuse/").status_code == 302
    assert not Project.objects.filter(pk=held.pk).exists()


def test_add_exception_and_prohibited_name(client, staff, outsider):
    client.force_login(staff)
    client.post(
        "/admin/names/",
        {"exception-name": "reqeusts", "exception-username": "oscar", "exception-note": "ok"},
    )
    assert NameException.objects.get().user == outsider
    client.post("/admin/names/", {"prohibited-name": "evil", "prohibited-reason": "no"})
    prohibited = ProhibitedName.objects.get()
    assert prohibited.normalized_name == "evil"
    client.post(f"/admin/names/prohibited/{prohibited.pk}/remove/")
    assert not ProhibitedName.objects.exists()


def test_invalid_form_is_shown_again(client, staff):
    client.force_login(staff)
    response = client.post("/admin/names/", {"prohibited-name": "-bad name-"})
    assert response.status_code == 200
    assert not ProhibitedName.objects.exists()
