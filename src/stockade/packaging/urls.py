"""Project management URLs, included at ``/manage/``."""

from django.urls import path

from stockade.packaging import views

app_name = "packaging"
_project = "project/<str:project_name>/"
_release = _project + "release/<str:version>/"
urlpatterns = [
    path("", views.manage_projects, name="manage-projects"),
    path("invitations/", views.manage_invitations, name="manage-invitations"),
    path(
        "invitations/<int:invitation_id>/accept/",
        views.accept_invitation,
        name="accept-invitation",
    ),
    path(
        "invitations/<int:invitation_id>/decline/",
        views.decline_invitation,
        name="decline-invitation",
    ),
    path(_project, views.manage_project, name="manage-project"),
    path(_project + "delete/", views.delete_project, name="delete-project"),
    path(_project + "collaborators/", views.manage_collaborators, name="manage-collaborators"),
    path(_project + "collaborators/invite/", views.invite_collaborator, name="invite-collaborator"),
    path(
        _project + "collaborators/<str:username>/role/",
        views.change_role,
        name="change-role",
    ),
    path(
        _project + "collaborators/<str:username>/remove/",
        views.remove_collaborator,
        name="remove-collaborator",
    ),
    path(
        _project + "invitations/<int:invitation_id>/cancel/",
        views.cancel_invitation,
        name="cancel-invitation",
    ),
    path(_release, views.manage_release, name="manage-release"),
    path(_release + "yank/", views.yank_release, name="yank-release"),
    path(_release + "unyank/", views.unyank_release, name="unyank-release"),
    path(_release + "delete/", views.delete_release, name="delete-release"),
    path(_release + "file/<str:filename>/delete/", views.delete_file, name="delete-file"),
]
