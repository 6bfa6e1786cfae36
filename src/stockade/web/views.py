"""Public pages. Thin views: read through services, render templates."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


def base_url(request: HttpRequest) -> str:
    return settings.BASE_URL or request.build_absolute_uri("/").rstrip("/")


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"base_url": base_url(request)})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"base_url": base_url(request)})
