"""Errors raised by packaging services (yank, remove, look-ups)."""

from __future__ import annotations

from django.utils.translation import gettext as _


class PackagingError(Exception):
    """Base class; the message is fit to show a user."""


class ProjectNotFoundError(PackagingError):
    def __init__(self, name: str) -> None:
        super().__init__(f"No project named {name!r}.")
        self.name = name


class ReleaseNotFoundError(PackagingError):
    def __init__(self, project: str, version: str) -> None:
        super().__init__(f"Project {project!r} has no release {version!r}.")
        self.project = project
        self.version = version


class FileNotFoundInReleaseError(PackagingError):
    def __init__(self, filename: str) -> None:
        super().__init__(f"No file named {filename!r} in that release.")
        self.filename = filename


# Errors of project management (roles, invitations, deletion). Their messages are translated
# when raised, so the web pages show them in the reader's language.


class PermissionDeniedError(PackagingError):
    """The actor's role on the project does not allow the action."""

    def __init__(self, project: str, action: str) -> None:
        super().__init__(
            _("Only an owner of %(project)s can %(action)s.")
            % {"project": project, "action": action}
        )
        self.project = project
        self.action = action


class NotACollaboratorError(PermissionDeniedError):
    """The actor holds no role on the project at all."""

    def __init__(self, project: str) -> None:
        PackagingError.__init__(
            self, _("You are not an owner or maintainer of %(project)s.") % {"project": project}
        )
        self.project = project
        self.action = "manage"


class LastOwnerError(PackagingError):
    def __init__(self, project: str) -> None:
        super().__init__(
            _("%(project)s must keep at least one owner: make someone else an owner first.")
            % {"project": project}
        )
        self.project = project


class CollaboratorNotFoundError(PackagingError):
    def __init__(self, project: str, username: str) -> None:
        super().__init__(
            _("%(username)s has no role on %(project)s.")
            % {"username": username, "project": project}
        )
        self.project = project
        self.username = username


class InviteeNotFoundError(PackagingError):
    def __init__(self, username: str) -> None:
        super().__init__(_("No active user named %(username)s.") % {"username": username})
        self.username = username


class AlreadyCollaboratorError(PackagingError):
    def __init__(self, project: str, username: str) -> None:
        super().__init__(
            _("%(username)s already has a role on %(project)s.")
            % {"username": username, "project": project}
        )
        self.project = project
        self.username = username


class InvitationExistsError(PackagingError):
    def __init__(self, project: str, username: str) -> None:
        super().__init__(
            _("%(username)s already has a pending invitation to %(project)s.")
            % {"username": username, "project": project}
        )
        self.project = project
        self.username = username


class InvitationNotFoundError(PackagingError):
    def __init__(self) -> None:
        super().__init__(_("No such pending invitation."))


class InvalidRoleError(PackagingError):
    def __init__(self, role: str) -> None:
        super().__init__(_("%(role)s is not a role: use owner or maintainer.") % {"role": role})
        self.role = role
