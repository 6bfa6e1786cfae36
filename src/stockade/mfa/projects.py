"""A project's own requirement: every member needs a second factor to upload to it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from stockade.accounts.models import User
from stockade.audit.services import Actor, Tag, record_event
from stockade.mfa.exceptions import NoSecondFactorError
from stockade.mfa.models import ProjectMfaPolicy
from stockade.mfa.policy import has_second_factor
from stockade.packaging.models import Project, Role
from stockade.packaging.services import get_project_for_owner


@dataclass(frozen=True)
class ProjectPolicyView:
    project: Project
    require_members: bool
    members_without_factor: list[User]


def get_project_policy(*, actor: Actor, project_name: str) -> ProjectPolicyView:
    """Return the project's requirement and who would be held back by it, for an owner.

    Raises:
        ProjectNotFoundError, NotACollaboratorError, PermissionDeniedError (packaging).
    """
    project = get_project_for_owner(actor=actor, project_name=project_name, action="manage")
    policy = ProjectMfaPolicy.objects.filter(project=project).first()
    members = [
        role.user
        for role in Role.objects.filter(project=project)
        .select_related("user")
        .order_by("user__username")
        if not has_second_factor(role.user_id)
    ]
    return ProjectPolicyView(
        project=project,
        require_members=bool(policy and policy.require_members),
        members_without_factor=members,
    )


def set_project_policy(*, actor: Actor, project_name: str, require_members: bool) -> Project:
    """Require (or stop requiring) a second factor of every member who uploads to a project.

    Records ``mfa:project-policy-change``. An owner must have a second factor to require one.

    Raises:
        ProjectNotFoundError, NotACollaboratorError, PermissionDeniedError (packaging),
        NoSecondFactorError: the owner asks others for what they do not have.
    """
    with transaction.atomic():
        project = get_project_for_owner(actor=actor, project_name=project_name, action="manage")
        if require_members and actor.user is not None and not has_second_factor(actor.user.pk):
            raise NoSecondFactorError
        policy, _created = ProjectMfaPolicy.objects.select_for_update().get_or_create(
            project=project
        )
        if policy.require_members == require_members:
            return project
        policy.require_members = require_members
        policy.save(update_fields=["require_members", "changed"])
        record_event(
            tag=Tag.MFA_PROJECT_POLICY_CHANGE,
            actor=actor,
            subject=project,
            details={"required": "required" if require_members else "not required"},
        )
    return project
