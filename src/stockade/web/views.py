"""Public pages. Thin views: read through ``queries`` and ``search``, render templates."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from stockade.packaging.exceptions import ProjectNotFoundError, ReleaseNotFoundError
from stockade.web import queries
from stockade.web.csp import content_security_policy
from stockade.web.exceptions import UserNotFoundError
from stockade.web.search import search_projects

# How the errors of the queries become responses: all of these are "not found".
_NOT_FOUND = (ProjectNotFoundError, ReleaseNotFoundError, UserNotFoundError)


def _public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET/HEAD only, the site's CSP, and look-up errors as 404."""

    @require_safe
    @content_security_policy
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except _NOT_FOUND as e:
            raise Http404(str(e)) from e

    return wrapped


def base_url(request: HttpRequest) -> str:
    return settings.BASE_URL or request.build_absolute_uri("/").rstrip("/")


@_public_page
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "base_url": base_url(request),
        "releases": queries.recent_releases(),
        "stats": queries.site_stats(),
    }
    return render(request, "web/home.html", context)


@_public_page
def project(request: HttpRequest, name: str) -> HttpResponse:
    page = queries.get_project_page(name)
    if name != page.project.normalized_name:
        return redirect("web:project", page.project.normalized_name, permanent=True)
    return _render_project(request, page)


@_public_page
def release(request: HttpRequest, name: str, version: str) -> HttpResponse:
    page = queries.get_project_page(name, version)
    assert page.release is not None
    if name != page.project.normalized_name or version != page.release.version:
        return redirect(
            "web:release", page.project.normalized_name, page.release.version, permanent=True
        )
    return _render_project(request, page)


def _render_project(request: HttpRequest, page: queries.ProjectPage) -> HttpResponse:
    context = {"page": page, "project": page.project, "base_url": base_url(request)}
    return render(request, "web/project.html", context)


@_public_page
def user(request: HttpRequest, name: str) -> HttpResponse:
    page = queries.get_user_page(name)
    if name != page.user.username:
        return redirect("web:user", page.user.username, permanent=True)
    return render(request, "web/user.html", {"page": page})


@_public_page
def search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    results = search_projects(text, page=request.GET.get("page"))
    return render(request, "web/search.html", {"q": text, "results": results})
