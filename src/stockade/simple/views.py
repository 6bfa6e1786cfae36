"""The JSON API (``/pypi/<project>/json`` and ``/pypi/<project>/<version>/json``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_name

from stockade.packaging.exceptions import PackagingError, ProjectNotFoundError
from stockade.packaging.models import Release
from stockade.packaging.services import get_project, get_release
from stockade.packaging.versions import pick_latest
from stockade.simple.json_api import project_document


def _base_url(request: HttpRequest) -> str:
    return settings.BASE_URL or request.build_absolute_uri("/").rstrip("/")


def _not_found(message: str) -> HttpResponse:
    return JsonResponse({"message": message}, status=404)


@require_safe
def project_json(request: HttpRequest, name: str) -> HttpResponse:
    if name != canonicalize_name(name):
        return HttpResponsePermanentRedirect(
            reverse("simple:project-json", args=[canonicalize_name(name)])
        )
    try:
        project = get_project(name)
    except PackagingError as e:
        return _not_found(str(e))
    if project.held:  # held for name review: not public yet
        return _not_found(str(ProjectNotFoundError(name)))
    releases = list(Release.objects.filter(project=project))
    latest = pick_latest(releases)
    if latest is None:
        return _not_found(f"Project {name!r} has no releases.")
    return JsonResponse(project_document(project, latest, _base_url(request), releases))


@require_safe
def release_json(request: HttpRequest, name: str, version: str) -> HttpResponse:
    if name != canonicalize_name(name):
        return HttpResponsePermanentRedirect(
            reverse("simple:release-json", args=[canonicalize_name(name), version])
        )
    try:
        project = get_project(name)
        if project.held:  # held for name review: not public yet
            raise ProjectNotFoundError(name)
        release = get_release(project, version)
    except PackagingError as e:
        return _not_found(str(e))
    return JsonResponse(project_document(project, release, _base_url(request), None))
