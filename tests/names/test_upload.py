"""New project names through the upload endpoint: refused, held, or a name owner's own."""

from __future__ import annotations

from stockade.audit.models import AuditEvent
from stockade.names import services
from stockade.packaging.models import File, Project
from stockade.packaging.storage_paths import simple_page_path
from tests.distributions import Dist


def test_typosquat_upload_is_refused_with_reason(protected_names, owner_token, upload, settings):
    settings.STOCKADE_ADMIN_CONTACT = "admins@example.com"
    response = upload(owner_token, Dist("reqeusts"))
    assert response.status_code == 400
    assert "requests" in response.reason_phrase
    assert "typo-swapped-characters" in response.reason_phrase
    assert "admins@example.com" in response.content.decode()
    assert not Project.objects.exists()
    assert AuditEvent.objects.filter(tag="name:refused").count() == 1


def test_held_upload_is_stored_but_not_published(
    protected_names,
    owner_token,
    upload,
    settings,
    package_storage,
    client,
    django_capture_on_commit_callbacks,
):
    settings.STOCKADE_NAMES_REFUSE_TOP = 0
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(owner_token, Dist("reqeusts"))
    assert response.status_code == 200
    assert "held for review" in response.content.decode()
    project = Project.objects.get(normalized_name="reqeusts")
    assert project.held is True
    assert File.objects.filter(release__project=project).count() == 1
    assert not (package_storage / simple_page_path("reqeusts", json=False)).exists()
    assert client.get("/pypi/reqeusts/json").status_code == 404
    assert client.get("/project/reqeusts/").status_code == 404
    index = package_storage / simple_page_path(None, json=False)
    assert not index.exists() or b"reqeusts" not in index.read_bytes()
    # A second file goes to the held project, still unpublished.
    assert upload(owner_token, Dist("reqeusts", version="1.1")).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_held_name(actor=_operator(), project_name="reqeusts")
    assert (package_storage / simple_page_path("reqeusts", json=False)).exists()
    assert b"reqeusts" in index.read_bytes()
    assert client.get("/pypi/reqeusts/json").status_code == 200


def test_honest_names_and_existing_projects_upload(protected_names, owner_token, upload):
    assert upload(owner_token, Dist("requests-helpers")).status_code == 200
    assert upload(owner_token, Dist("requests-helpers", version="2.0")).status_code == 200


def test_owner_of_a_name_may_upload_its_look_alikes(db, owner_token, upload):
    assert upload(owner_token, Dist("widgetlib")).status_code == 200
    services.import_protected_names(pairs=[("widgetlib", 1)])
    assert upload(owner_token, Dist("widgetlib2")).status_code == 200
    assert upload(owner_token, Dist("python-widgetlib")).status_code == 200


def test_others_are_refused_a_confusable_of_a_new_project(db, owner_token, upload, outsider):
    from stockade.audit.actors import actor_for_cli
    from stockade.tokens.services import issue_token

    assert upload(owner_token, Dist("coolproject")).status_code == 200
    token = issue_token(actor=actor_for_cli(outsider), user=outsider, name="t")[1]
    response = upload(token, Dist("c00lpr0ject"))
    assert response.status_code == 400
    assert "confusable-collision" in response.reason_phrase


def _operator():
    from stockade.audit.actors import actor_for_cli

    return actor_for_cli()
