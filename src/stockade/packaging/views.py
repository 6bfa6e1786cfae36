"""Project management pages under /manage/: projects, releases, files and collaborators.

Thin views: a form parses the input, one service acts (and checks permissions), and
``handles_packaging_errors`` turns the service's exceptions into responses with one table.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stockade.audit.services import actor_from_request
from stockade.mfa.reauth import reauthentication_required
from stockade.packaging import collaborators, services
from stockade.packaging.exceptions import (
    AlreadyCollaboratorError,
    CollaboratorNotFoundError,
    FileNotFoundInReleaseError,
    InvalidRoleError,
    InvitationExistsError,
    InvitationNotFoundError,
    InviteeNotFoundError,
    LastOwnerError,
    PackagingError,
    PermissionDeniedError,
    ProjectNotFoundError,
    ReleaseNotFoundError,
)
from stockade.packaging.forms import ConfirmNameForm, InviteForm, RoleForm, YankForm
from stockade.packaging.models import Role
from stockade.web.views import base_url

# The one place that decides which status each service error gets (STYLE.md "Errors").
ERROR_STATUS: dict[type[PackagingError], int] = {
    ProjectNotFoundError: 404,
    ReleaseNotFoundError: 404,
    FileNotFoundInReleaseError: 404,
    InvitationNotFoundError: 404,
    CollaboratorNotFoundError: 404,
    PermissionDeniedError: 403,
    LastOwnerError: 409,
    AlreadyCollaboratorError: 409,
    InvitationExistsError: 409,
    InviteeNotFoundError: 400,
    InvalidRoleError: 400,
}


def status_for(error: PackagingError) -> int:
    for cls in type(error).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return 400


def handles_packaging_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a PackagingError with 404 or 403 pages, or a problem page for 400 and 409."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PackagingError as e:
            status = status_for(e)
            if status == 404:
                raise Http404(str(e)) from e
            if status == 403:
                raise PermissionDenied(str(e)) from e
            project_name = kwargs.get("project_name")
            context = {"message": str(e), "project_name": project_name}
            return render(request, "packaging/problem.html", context, status=status)

    return wrapper


def manage_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return login_required(handles_packaging_errors(view))


@require_safe
@manage_view
def manage_projects(request: HttpRequest) -> HttpResponse:
    roles = services.list_projects_for_user(user=request.user)
    invitations = collaborators.list_pending_invitations(user=request.user)
    context = {"roles": roles, "invitation_count": len(invitations)}
    return render(request, "packaging/manage_projects.html", context)


@require_safe
@manage_view
def manage_invitations(request: HttpRequest) -> HttpResponse:
    invitations = collaborators.list_pending_invitations(user=request.user)
    return render(request, "packaging/invitations.html", {"invitations": invitations})


@require_POST
@manage_view
def accept_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    role = collaborators.accept_invitation(
        actor=actor_from_request(request), invitation_id=invitation_id
    )
    messages.success(
        request,
        _("You are now %(role)s of %(project)s.")
        % {"role": role.get_role_display(), "project": role.project.name},
    )
    return redirect("packaging:manage-project", project_name=role.project.normalized_name)


@require_POST
@manage_view
def decline_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    collaborators.decline_invitation(actor=actor_from_request(request), invitation_id=invitation_id)
    messages.success(request, _("Invitation declined."))
    return redirect("packaging:manage-invitations")


@require_safe
@manage_view
def manage_project(request: HttpRequest, project_name: str) -> HttpResponse:
    project, role = services.get_project_for_member(user=request.user, project_name=project_name)
    context = {
        "project": project,
        "is_owner": role.role == Role.Name.OWNER,
        "releases": project.releases.prefetch_related("files"),
    }
    return render(request, "packaging/manage_project.html", context)


@require_safe
@manage_view
def manage_release(request: HttpRequest, project_name: str, version: str) -> HttpResponse:
    project, role = services.get_project_for_member(user=request.user, project_name=project_name)
    release = services.get_release(project, version)
    context = {
        "project": project,
        "release": release,
        "is_owner": role.role == Role.Name.OWNER,
        "yank_form": YankForm(),
    }
    return render(request, "packaging/manage_release.html", context)


@require_POST
@manage_view
def yank_release(request: HttpRequest, project_name: str, version: str) -> HttpResponse:
    form = YankForm(request.POST)
    if not form.is_valid():
        return render(request, "packaging/problem.html", {"form": form}, status=400)
    release = services.set_release_yanked(
        project_name=project_name,
        version=version,
        yanked=True,
        reason=form.cleaned_data["reason"],
        actor=actor_from_request(request),
    )
    messages.success(request, _("Yanked %(release)s.") % {"release": release})
    return _redirect_to_release(release.project.normalized_name, release.version)


@require_POST
@manage_view
def unyank_release(request: HttpRequest, project_name: str, version: str) -> HttpResponse:
    release = services.set_release_yanked(
        project_name=project_name, version=version, yanked=False, actor=actor_from_request(request)
    )
    messages.success(request, _("%(release)s is no longer yanked.") % {"release": release})
    return _redirect_to_release(release.project.normalized_name, release.version)


@require_http_methods(["GET", "POST"])
@manage_view
@reauthentication_required
def delete_project(request: HttpRequest, project_name: str) -> HttpResponse:
    actor = actor_from_request(request)
    project = services.get_project_for_owner(
        actor=actor, project_name=project_name, action=_("delete the project")
    )
    form = ConfirmNameForm(_posted(request), expected=project.name, normalize=True)
    if form.is_valid():
        services.remove_project(project_name=project.name, actor=actor)
        messages.success(request, _("Deleted the project %(name)s.") % {"name": project.name})
        return redirect("packaging:manage-projects")
    return _confirm_page(request, form, project=project, what=project.name, kind="project")


@require_http_methods(["GET", "POST"])
@manage_view
def delete_release(request: HttpRequest, project_name: str, version: str) -> HttpResponse:
    actor = actor_from_request(request)
    project = services.get_project_for_owner(
        actor=actor, project_name=project_name, action=_("delete releases")
    )
    release = services.get_release(project, version)
    form = ConfirmNameForm(_posted(request), expected=release.version)
    if form.is_valid():
        services.remove_release(project_name=project.name, version=release.version, actor=actor)
        messages.success(request, _("Deleted %(release)s.") % {"release": release})
        return redirect("packaging:manage-project", project_name=project.normalized_name)
    return _confirm_page(request, form, project=project, what=str(release), kind="release")


@require_http_methods(["GET", "POST"])
@manage_view
def delete_file(
    request: HttpRequest, project_name: str, version: str, filename: str
) -> HttpResponse:
    actor = actor_from_request(request)
    project = services.get_project_for_owner(
        actor=actor, project_name=project_name, action=_("delete files")
    )
    release = services.get_release(project, version)
    if not release.files.filter(filename=filename).exists():
        raise FileNotFoundInReleaseError(filename)
    form = ConfirmNameForm(_posted(request), expected=filename)
    if form.is_valid():
        services.remove_file(
            project_name=project.name,
            version=release.version,
            filename=filename,
            actor=actor,
        )
        messages.success(request, _("Deleted the file %(name)s.") % {"name": filename})
        return _redirect_to_release(project.normalized_name, release.version)
    return _confirm_page(request, form, project=project, what=filename, kind="file")


@require_safe
@manage_view
def manage_collaborators(request: HttpRequest, project_name: str) -> HttpResponse:
    project, role = services.get_project_for_member(user=request.user, project_name=project_name)
    return _collaborators_page(request, project, role)


@require_POST
@manage_view
@reauthentication_required
def invite_collaborator(request: HttpRequest, project_name: str) -> HttpResponse:
    form = InviteForm(request.POST)
    if not form.is_valid():
        project, role = services.get_project_for_member(
            user=request.user, project_name=project_name
        )
        return _collaborators_page(request, project, role, invite_form=form, status=400)
    invitation = collaborators.invite_collaborator(
        actor=actor_from_request(request),
        project_name=project_name,
        base_url=base_url(request),
        **form.cleaned_data,
    )
    messages.success(
        request, _("Invited %(username)s.") % {"username": invitation.invitee.username}
    )
    return redirect(
        "packaging:manage-collaborators", project_name=invitation.project.normalized_name
    )


@require_POST
@manage_view
def cancel_invitation(request: HttpRequest, project_name: str, invitation_id: int) -> HttpResponse:
    collaborators.cancel_invitation(
        actor=actor_from_request(request), project_name=project_name, invitation_id=invitation_id
    )
    messages.success(request, _("Invitation withdrawn."))
    return redirect("packaging:manage-collaborators", project_name=project_name)


@require_POST
@manage_view
def change_role(request: HttpRequest, project_name: str, username: str) -> HttpResponse:
    form = RoleForm(request.POST)
    if not form.is_valid():
        return render(request, "packaging/problem.html", {"form": form}, status=400)
    member = collaborators.change_role(
        actor=actor_from_request(request),
        project_name=project_name,
        username=username,
        **form.cleaned_data,
    )
    messages.success(
        request,
        _("%(username)s is now %(role)s.")
        % {"username": member.user.username, "role": member.get_role_display()},
    )
    return redirect("packaging:manage-collaborators", project_name=project_name)


@require_http_methods(["GET", "POST"])
@manage_view
def remove_collaborator(request: HttpRequest, project_name: str, username: str) -> HttpResponse:
    project, _role = services.get_project_for_member(user=request.user, project_name=project_name)
    if request.method == "POST":
        collaborators.remove_collaborator(
            actor=actor_from_request(request), project_name=project_name, username=username
        )
        if username.lower() == request.user.username.lower():
            messages.success(request, _("You left %(project)s.") % {"project": project.name})
            return redirect("packaging:manage-projects")
        messages.success(request, _("Removed %(username)s.") % {"username": username})
        return redirect("packaging:manage-collaborators", project_name=project.normalized_name)
    context = {"project": project, "username": username}
    return render(request, "packaging/confirm_remove_collaborator.html", context)


def _posted(request: HttpRequest) -> dict | None:
    return request.POST if request.method == "POST" else None


def _redirect_to_release(project_name: str, version: str) -> HttpResponse:
    return redirect("packaging:manage-release", project_name=project_name, version=version)


def _confirm_page(
    request: HttpRequest, form: ConfirmNameForm, *, project, what: str, kind: str
) -> HttpResponse:
    context = {"form": form, "project": project, "what": what, "kind": kind}
    status = 400 if form.is_bound else 200
    return render(request, "packaging/confirm_delete.html", context, status=status)


def _collaborators_page(
    request: HttpRequest, project, role: Role, *, invite_form: InviteForm | None = None, status=200
) -> HttpResponse:
    context = {
        "project": project,
        "is_owner": role.role == Role.Name.OWNER,
        "members": project.roles.select_related("user").order_by("user__username"),
        "invitations": project.invitations.select_related("invitee"),
        "invite_form": invite_form or InviteForm(),
        "role_choices": Role.Name.choices,
    }
    return render(request, "packaging/collaborators.html", context, status=status)
