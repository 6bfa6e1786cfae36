"""The services over the database: collisions, exceptions, holds, reviews and audit events."""

from __future__ import annotations

import pytest

from stockade.audit.actors import actor_for_cli
from stockade.audit.models import AuditEvent
from stockade.names import services
from stockade.names.exceptions import HeldNameNotFoundError, InvalidPolicyError, NameRefusedError
from stockade.names.models import NameHold
from stockade.packaging.models import Project, Release, Role


def make_project(name: str, owner=None, requires: list[str] | None = None) -> Project:
    project = Project.objects.create(name=name)
    if owner is not None:
        Role.objects.create(user=owner, project=project, role=Role.Name.OWNER)
    Release.objects.create(
        project=project,
        version="1.0",
        canonical_version="1",
        metadata={"requires_dist": requires or []},
    )
    return project


def test_a_new_project_is_a_collision_at_once(db, outsider):
    make_project("Foo.Bar")
    assert services.check_project_name(name="foo_bar", user=outsider).rule == "pep503-collision"
    assert services.check_project_name(name="f00bar", user=outsider).rule == "confusable-collision"


def test_owner_may_create_look_alikes_of_own_project(db, owner):
    make_project("foo", owner=owner)
    assert services.check_project_name(name="f00", user=owner).decision == "allow"


def test_refusal_records_event_and_explains(protected_names, outsider, settings):
    settings.STOCKADE_ADMIN_CONTACT = "admins@example.com"
    with pytest.raises(NameRefusedError) as caught:
        services.screen_new_project_name(name="reqeusts", user=outsider, actor=actor_for_cli())
    message = caught.value.message
    assert "'requests'" in message
    assert "typo-swapped-characters" in message
    assert "admins@example.com" in message
    event = AuditEvent.objects.get(tag="name:refused")
    assert event.details["resembles"] == "requests"
    assert event.subject_label == "reqeusts"


def test_exception_allows_a_refused_name(protected_names, outsider, owner):
    services.add_exception(actor=actor_for_cli(), name="reqeusts", user=outsider)
    assert services.check_project_name(name="reqeusts", user=outsider).decision == "allow"
    assert services.check_project_name(name="reqeusts", user=owner).decision == "refuse"
    assert AuditEvent.objects.filter(tag="name:exception-added").count() == 1


def test_prohibited_names_take_effect_immediately(db, outsider):
    assert services.check_project_name(name="evil", user=outsider).decision == "allow"
    services.add_prohibited_name(actor=actor_for_cli(), name="evil", reason="test")
    verdict = services.check_project_name(name="Ev1l", user=outsider)
    assert (verdict.decision, verdict.rule) == ("refuse", "prohibited")
    assert AuditEvent.objects.filter(tag="name:prohibited-added").count() == 1


def test_policy_version_invalidates_the_cached_index(protected_names, outsider):
    assert services.check_project_name(name="flaks", user=outsider).decision == "allow"
    services.import_protected_names(pairs=[("flask", 1)])
    assert services.check_project_name(name="flaks", user=outsider).decision == "refuse"


def test_decisions_come_from_settings(protected_names, outsider, settings):
    settings.STOCKADE_NAMES_DECISIONS = "typo-swapped-characters=hold"
    assert services.check_project_name(name="reqeusts", user=outsider).decision == "hold"
    settings.STOCKADE_NAMES_REFUSE_TOP = 0
    settings.STOCKADE_NAMES_DECISIONS = ""
    assert services.check_project_name(name="reqeusts", user=outsider).decision == "hold"
    settings.STOCKADE_NAMES_DECISIONS = "nonsense=refuse"
    with pytest.raises(InvalidPolicyError):
        services.check_project_name(name="x", user=outsider)


def hold(name: str, user) -> Project:
    verdict = services.check_project_name(name=name, user=user)
    return services.reserve_held_project(
        name=name, user=user, actor=actor_for_cli(user), verdict=verdict
    )


def test_hold_reserves_the_name_and_approve_publishes(protected_names, outsider, settings):
    settings.STOCKADE_NAMES_REFUSE_TOP = 0
    project = hold("reqeusts", outsider)
    assert project.held is True
    assert NameHold.objects.get(project=project).resembles == "requests"
    assert "held for review" in services.held_notice(project)
    assert AuditEvent.objects.filter(tag="name:held").count() == 1
    approved = services.approve_held_name(actor=actor_for_cli(), project_name="reqeusts")
    assert approved.held is False
    assert not NameHold.objects.exists()
    assert AuditEvent.objects.filter(tag="name:approved").count() == 1
    with pytest.raises(HeldNameNotFoundError):
        services.approve_held_name(actor=actor_for_cli(), project_name="reqeusts")


def test_refusing_a_held_name_deletes_the_project(protected_names, outsider, settings):
    settings.STOCKADE_NAMES_REFUSE_TOP = 0
    hold("reqeusts", outsider)
    services.refuse_held_name(actor=actor_for_cli(), project_name="reqeusts")
    assert not Project.objects.filter(normalized_name="reqeusts").exists()
    assert set(AuditEvent.objects.values_list("tag", flat=True)) >= {
        "name:refused",
        "project:remove",
    }


def test_parse_protected_list_formats():
    top = '{"rows": [{"project": "b", "download_count": 5}, {"project": "a", "download_count": 9}]}'
    assert services.parse_protected_list(top) == [("a", 9), ("b", 5)]
    assert services.parse_protected_list('["x", "y"]') == [("x", 0), ("y", 0)]
    assert services.parse_protected_list("x\n# comment\ny\n") == [("x", 0), ("y", 0)]


def test_most_depended_upon_projects_are_protected(db, outsider):
    make_project("corelib")
    make_project("app-one", requires=["corelib>=1", "Other; extra == 'x'"])
    make_project("app-two", requires=["CoreLib"])
    assert services.count_dependents()["corelib"] == 2
    assert services.refresh_dependency_protected_names(top=10) == 1
    assert services.check_project_name(name="corelbi", user=outsider).resembles == "corelib"
