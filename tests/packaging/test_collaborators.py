"""Collaborators: owners invite, invitees accept or decline, roles change, the last owner stays."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stockade.packaging import collaborators
from stockade.packaging.exceptions import (
    AlreadyCollaboratorError,
    InvitationExistsError,
    InvitationNotFoundError,
    InviteeNotFoundError,
    LastOwnerError,
    NotACollaboratorError,
    PermissionDeniedError,
)
from stockade.packaging.models import Role, RoleInvitation
from tests.packaging.conftest import acting

pytestmark = pytest.mark.django_db


def _role(user, project):
    return Role.objects.filter(user=user, project=project).values_list("role", flat=True).first()


# Services


def test_invite_then_accept_grants_the_role_and_emails_the_invitee(
    project, owner, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = collaborators.invite_collaborator(
            actor=acting(owner), project_name="widget", username="OSCAR", role="owner"
        )
    assert [m.to for m in mailoutbox] == [["oscar@example.com"]]
    assert "widget" in mailoutbox[0].subject
    assert "/manage/invitations/" in mailoutbox[0].body
    collaborators.accept_invitation(actor=acting(outsider), invitation_id=invitation.pk)
    assert _role(outsider, project) == "owner"
    assert not RoleInvitation.objects.exists()


def test_decline_grants_nothing(project, owner, outsider):
    invitation = collaborators.invite_collaborator(
        actor=acting(owner), project_name="widget", username="oscar", role="maintainer"
    )
    collaborators.decline_invitation(actor=acting(outsider), invitation_id=invitation.pk)
    assert _role(outsider, project) is None
    assert not RoleInvitation.objects.exists()


def test_only_the_invitee_can_answer(project, owner, outsider, maintainer):
    invitation = collaborators.invite_collaborator(
        actor=acting(owner), project_name="widget", username="oscar", role="owner"
    )
    with pytest.raises(InvitationNotFoundError):
        collaborators.accept_invitation(actor=acting(maintainer), invitation_id=invitation.pk)
    with pytest.raises(InvitationNotFoundError):
        collaborators.decline_invitation(actor=acting(owner), invitation_id=invitation.pk)
    assert RoleInvitation.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "error"),
    [("maintainer", PermissionDeniedError), ("outsider", NotACollaboratorError)],
)
def test_only_owners_invite(project, request, who, error):
    actor = request.getfixturevalue(who)
    with pytest.raises(error):
        collaborators.invite_collaborator(
            actor=acting(actor), project_name="widget", username=actor.username, role="owner"
        )
    assert not RoleInvitation.objects.exists()


def test_invite_refuses_unknown_members_and_duplicates(project, owner, outsider):
    with pytest.raises(InviteeNotFoundError):
        collaborators.invite_collaborator(
            actor=acting(owner), project_name="widget", username="nobody", role="owner"
        )
    with pytest.raises(AlreadyCollaboratorError):
        collaborators.invite_collaborator(
            actor=acting(owner), project_name="widget", username="max", role="owner"
        )
    collaborators.invite_collaborator(
        actor=acting(owner), project_name="widget", username="oscar", role="owner"
    )
    with pytest.raises(InvitationExistsError):
        collaborators.invite_collaborator(
            actor=acting(owner), project_name="widget", username="oscar", role="maintainer"
        )


def test_change_role_emails_the_member(
    project, owner, maintainer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        collaborators.change_role(
            actor=acting(owner), project_name="widget", username="max", role="owner"
        )
    assert _role(maintainer, project) == "owner"
    assert [m.to for m in mailoutbox] == [["max@example.com"]]


def test_last_owner_cannot_be_demoted_removed_or_leave(project, owner):
    with pytest.raises(LastOwnerError):
        collaborators.change_role(
            actor=acting(owner), project_name="widget", username="olivia", role="maintainer"
        )
    with pytest.raises(LastOwnerError):
        collaborators.remove_collaborator(
            actor=acting(owner), project_name="widget", username="olivia"
        )
    assert _role(owner, project) == "owner"


def test_an_owner_may_leave_when_another_owner_remains(project, owner, maintainer):
    collaborators.change_role(
        actor=acting(owner), project_name="widget", username="max", role="owner"
    )
    collaborators.remove_collaborator(actor=acting(owner), project_name="widget", username="olivia")
    assert _role(owner, project) is None


def test_maintainer_may_leave_but_not_remove_others(project, owner, maintainer):
    with pytest.raises(PermissionDeniedError):
        collaborators.remove_collaborator(
            actor=acting(maintainer), project_name="widget", username="olivia"
        )
    with pytest.raises(PermissionDeniedError):
        collaborators.change_role(
            actor=acting(maintainer), project_name="widget", username="max", role="owner"
        )
    collaborators.remove_collaborator(
        actor=acting(maintainer), project_name="widget", username="max"
    )
    assert _role(maintainer, project) is None


def test_owner_removes_member_and_emails_them(
    project, owner, maintainer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        collaborators.remove_collaborator(
            actor=acting(owner), project_name="widget", username="max"
        )
    assert _role(maintainer, project) is None
    assert [m.to for m in mailoutbox] == [["max@example.com"]]


# Views


def test_invitation_flow_through_the_pages(client, project, owner, outsider):
    client.force_login(owner)
    url = reverse("packaging:invite-collaborator", args=["widget"])
    response = client.post(url, {"username": "oscar", "role": "maintainer"})
    assert response.status_code == 302
    invitation = RoleInvitation.objects.get()

    client.force_login(outsider)
    projects_page = client.get(reverse("packaging:manage-projects"))
    assert reverse("packaging:manage-invitations").encode() in projects_page.content
    page = client.get(reverse("packaging:manage-invitations"))
    assert b"widget" in page.content
    response = client.post(reverse("packaging:accept-invitation", args=[invitation.pk]))
    assert response.status_code == 302
    assert _role(outsider, project) == "maintainer"


def test_decline_through_the_page(client, project, owner, outsider):
    invitation = collaborators.invite_collaborator(
        actor=acting(owner), project_name="widget", username="oscar", role="owner"
    )
    client.force_login(outsider)
    response = client.post(reverse("packaging:decline-invitation", args=[invitation.pk]))
    assert response.status_code == 302
    assert not RoleInvitation.objects.exists()


def test_outsider_cannot_answer_someone_elses_invitation(client, project, owner, outsider):
    invitation = collaborators.invite_collaborator(
        actor=acting(owner), project_name="widget", username="oscar", role="owner"
    )
    client.force_login(owner)
    response = client.post(reverse("packaging:accept-invitation", args=[invitation.pk]))
    assert response.status_code == 404
    assert _role(outsider, project) is None


def test_collaborators_page_shows_owner_controls_only_to_owners(client, project, owner, maintainer):
    url = reverse("packaging:manage-collaborators", args=["widget"])
    client.force_login(owner)
    assert b"Invite a collaborator" in client.get(url).content
    client.force_login(maintainer)
    response = client.get(url)
    assert response.status_code == 200
    assert b"Invite a collaborator" not in response.content


@pytest.mark.parametrize("who", ["maintainer", "outsider"])
def test_non_owners_cannot_invite_change_or_remove(client, project, request, who):
    client.force_login(request.getfixturevalue(who))
    invite = client.post(
        reverse("packaging:invite-collaborator", args=["widget"]),
        {"username": "oscar", "role": "owner"},
    )
    change = client.post(
        reverse("packaging:change-role", args=["widget", "olivia"]), {"role": "maintainer"}
    )
    remove = client.post(reverse("packaging:remove-collaborator", args=["widget", "olivia"]))
    assert (invite.status_code, change.status_code, remove.status_code) == (403, 403, 403)
    assert not RoleInvitation.objects.exists()
    assert Role.objects.filter(role="owner").count() == 1


def test_outsider_cannot_see_collaborators(client, project, outsider):
    client.force_login(outsider)
    response = client.get(reverse("packaging:manage-collaborators", args=["widget"]))
    assert response.status_code == 403


def test_invite_form_errors_rerender_with_400(client, project, owner):
    client.force_login(owner)
    response = client.post(
        reverse("packaging:invite-collaborator", args=["widget"]), {"username": "", "role": "god"}
    )
    assert response.status_code == 400
    assert b'aria-invalid="true"' in response.content


def test_invite_unknown_user_is_a_400(client, project, owner):
    client.force_login(owner)
    response = client.post(
        reverse("packaging:invite-collaborator", args=["widget"]),
        {"username": "nobody", "role": "owner"},
    )
    assert response.status_code == 400
    assert b"nobody" in response.content


def test_demoting_the_last_owner_is_a_409(client, project, owner):
    client.force_login(owner)
    response = client.post(
        reverse("packaging:change-role", args=["widget", "olivia"]), {"role": "maintainer"}
    )
    assert response.status_code == 409
    assert _role(owner, project) == "owner"


def test_owner_changes_role_and_removes_member_through_pages(client, project, owner, maintainer):
    client.force_login(owner)
    response = client.post(
        reverse("packaging:change-role", args=["widget", "max"]), {"role": "owner"}
    )
    assert response.status_code == 302
    assert _role(maintainer, project) == "owner"
    url = reverse("packaging:remove-collaborator", args=["widget", "max"])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert _role(maintainer, project) is None


def test_owner_withdraws_invitation(client, project, owner, outsider):
    invitation = collaborators.invite_collaborator(
        actor=acting(owner), project_name="widget", username="oscar", role="owner"
    )
    client.force_login(owner)
    url = reverse("packaging:cancel-invitation", args=["widget", invitation.pk])
    assert client.post(url).status_code == 302
    assert not RoleInvitation.objects.exists()


def test_outsider_cannot_withdraw_invitation(client, project, owner, outsider):
    invitation = collaborators.invite_collaborator(
        actor=acting(owner), project_name="widget", username="oscar", role="owner"
    )
    client.force_login(outsider)
    url = reverse("packaging:cancel-invitation", args=["widget", invitation.pk])
    assert client.post(url).status_code == 403
    assert RoleInvitation.objects.exists()
