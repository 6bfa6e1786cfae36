"""Collaborator services: invite people to a project, accept or decline, change and remove roles.

Only owners invite, change roles and remove others; anyone may leave a project or decline an
invitation. Each change records its audit event (``role:*``) in its own transaction. A project always keeps at least one owner: every change that could drop the last one
locks the project row first, so two concurrent demotions cannot both pass the check.
Notification emails go out after the transaction commits.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from stockade.accounts.models import User
from stockade.audit.services import Actor, Tag, record_event
from stockade.mail import send_templated_email
from stockade.packaging.exceptions import (
    AlreadyCollaboratorError,
    CollaboratorNotFoundError,
    InvalidRoleError,
    InvitationExistsError,
    InvitationNotFoundError,
    InviteeNotFoundError,
    LastOwnerError,
)
from stockade.packaging.models import Project, Role, RoleInvitation
from stockade.packaging.services import get_project, require_owner

logger = logging.getLogger(__name__)


def invite_collaborator(
    *, actor: Actor, project_name: str, username: str, role: str, base_url: str = ""
) -> RoleInvitation:
    """Offer ``username`` a role on the project and email them the invitation.

    ``base_url`` (the index's address as the request saw it) makes the emailed link absolute
    when ``STOCKADE_BASE_URL`` is not set.

    Raises:
        ProjectNotFoundError, NotACollaboratorError, PermissionDeniedError, InvalidRoleError,
        InviteeNotFoundError, AlreadyCollaboratorError, InvitationExistsError.
    """
    role = _check_role(role)
    with transaction.atomic():
        project = _lock_project(project_name)
        require_owner(actor, project, action=_("invite collaborators"))
        invitee = User.objects.filter(username__iexact=username.strip(), is_active=True).first()
        if invitee is None:
            raise InviteeNotFoundError(username)
        if Role.objects.filter(project=project, user=invitee).exists():
            raise AlreadyCollaboratorError(project.name, invitee.username)
        if RoleInvitation.objects.filter(project=project, invitee=invitee).exists():
            raise InvitationExistsError(project.name, invitee.username)
        try:
            with transaction.atomic():
                invitation = RoleInvitation.objects.create(
                    project=project, invitee=invitee, inviter=actor.user, role=role
                )
        except IntegrityError as e:
            raise InvitationExistsError(project.name, invitee.username) from e
        record_event(
            tag=Tag.ROLE_INVITE,
            actor=actor,
            subject=invitee,
            project=project,
            details={"role": role},
        )
        _email_after_commit(
            invitee,
            "packaging/emails/invitation",
            {
                "project": project.name,
                "role": Role.Name(role).label,
                "inviter": actor.display_name,
                "invitations_path": reverse("packaging:manage-invitations"),
                "base_url": settings.BASE_URL or base_url,
            },
        )
    logger.info("Invited user %s to project %s", invitee.pk, project.pk)
    return invitation


def list_pending_invitations(*, user: User) -> list[RoleInvitation]:
    """Return the invitations waiting for the user's answer, newest first."""
    return list(RoleInvitation.objects.filter(invitee=user).select_related("project", "inviter"))


def accept_invitation(*, actor: Actor, invitation_id: int) -> Role:
    """Turn the actor's invitation into a role on the project.

    Raises:
        InvitationNotFoundError: no pending invitation with that id is addressed to the actor.
    """
    user = actor.require_user()
    with transaction.atomic():
        invitation = _get_own_invitation(user, invitation_id)
        project = Project.objects.select_for_update().get(pk=invitation.project_id)
        invitation.delete()
        role, _created = Role.objects.get_or_create(
            project=project, user=user, defaults={"role": invitation.role}
        )
        record_event(
            tag=Tag.ROLE_ACCEPT,
            actor=actor,
            subject=user,
            project=project,
            details={"role": role.role},
        )
    logger.info("User %s accepted a role on project %s", user.pk, project.pk)
    return role


def decline_invitation(*, actor: Actor, invitation_id: int) -> None:
    """Delete the actor's invitation without granting anything.

    Raises:
        InvitationNotFoundError.
    """
    user = actor.require_user()
    with transaction.atomic():
        invitation = _get_own_invitation(user, invitation_id)
        record_event(
            tag=Tag.ROLE_DECLINE,
            actor=actor,
            subject=user,
            project=invitation.project,
            details={"role": invitation.role},
        )
        invitation.delete()


def cancel_invitation(*, actor: Actor, project_name: str, invitation_id: int) -> None:
    """Withdraw a pending invitation to the project (owners only).

    Raises:
        ProjectNotFoundError, NotACollaboratorError, PermissionDeniedError,
        InvitationNotFoundError.
    """
    with transaction.atomic():
        project = get_project(project_name)
        require_owner(actor, project, action=_("manage collaborators"))
        invitation = (
            RoleInvitation.objects.select_for_update()
            .select_related("invitee")
            .filter(pk=invitation_id, project=project)
            .first()
        )
        if invitation is None:
            raise InvitationNotFoundError()
        record_event(
            tag=Tag.ROLE_CANCEL,
            actor=actor,
            subject=invitation.invitee,
            project=project,
            details={"role": invitation.role},
        )
        invitation.delete()


def change_role(*, actor: Actor, project_name: str, username: str, role: str) -> Role:
    """Give a collaborator another role and email them. The last owner cannot be demoted.

    Raises:
        ProjectNotFoundError, NotACollaboratorError, PermissionDeniedError, InvalidRoleError,
        CollaboratorNotFoundError, LastOwnerError.
    """
    role = _check_role(role)
    with transaction.atomic():
        project = _lock_project(project_name)
        require_owner(actor, project, action=_("change roles"))
        member = _get_member(project, username)
        if member.role == role:
            return member
        if member.role == Role.Name.OWNER and _owner_count(project) <= 1:
            raise LastOwnerError(project.name)
        old_role = member.role
        member.role = role
        member.save(update_fields=["role"])
        record_event(
            tag=Tag.ROLE_CHANGE,
            actor=actor,
            subject=member.user,
            project=project,
            details={"role": role, "old_role": old_role},
        )
        _email_after_commit(
            member.user,
            "packaging/emails/role_changed",
            {"project": project.name, "role": Role.Name(role).label, "actor": actor.display_name},
        )
    logger.info("Changed the role of user %s on project %s", member.user_id, project.pk)
    return member


def remove_collaborator(*, actor: Actor, project_name: str, username: str) -> None:
    """Take away a collaborator's role. Owners remove anyone; anyone may remove themselves.

    Raises:
        ProjectNotFoundError, NotACollaboratorError, PermissionDeniedError,
        CollaboratorNotFoundError, LastOwnerError.
    """
    with transaction.atomic():
        project = _lock_project(project_name)
        leaving = actor.user is not None and username.strip().lower() == actor.user.username.lower()
        if not leaving:
            require_owner(actor, project, action=_("remove collaborators"))
        # Someone leaving needs no role check: naming themselves proves it is their own role.
        member = _get_member(project, username)
        if member.role == Role.Name.OWNER and _owner_count(project) <= 1:
            raise LastOwnerError(project.name)
        record_event(
            tag=Tag.ROLE_REMOVE,
            actor=actor,
            subject=member.user,
            project=project,
            details={"role": member.role},
        )
        member.delete()
        if not leaving:
            _email_after_commit(
                member.user,
                "packaging/emails/role_removed",
                {"project": project.name, "actor": actor.display_name},
            )
    logger.info("Removed user %s from project %s", member.user_id, project.pk)


def _check_role(role: str) -> str:
    if role not in Role.Name.values:
        raise InvalidRoleError(role)
    return role


def _lock_project(project_name: str) -> Project:
    # Row lock: role changes on one project run one at a time, so the owner count stays true.
    project = get_project(project_name)
    return Project.objects.select_for_update().get(pk=project.pk)


def _get_member(project: Project, username: str) -> Role:
    member = (
        Role.objects.select_related("user")
        .filter(project=project, user__username__iexact=username.strip())
        .first()
    )
    if member is None:
        raise CollaboratorNotFoundError(project.name, username)
    return member


def _owner_count(project: Project) -> int:
    return Role.objects.filter(project=project, role=Role.Name.OWNER).count()


def _get_own_invitation(actor: User, invitation_id: int) -> RoleInvitation:
    invitation = (
        RoleInvitation.objects.select_for_update().filter(pk=invitation_id, invitee=actor).first()
    )
    if invitation is None:
        raise InvitationNotFoundError()
    return invitation


def _email_after_commit(user: User, template: str, context: dict[str, Any]) -> None:
    addresses = list(
        user.emails.filter(primary=True, verified=True).values_list("email", flat=True)
    )
    context = {"username": user.username, **context}
    transaction.on_commit(
        lambda: send_templated_email(to=addresses, template=template, context=context)
    )
