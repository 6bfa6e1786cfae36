"""Top-level URLs. ``/simple/`` and ``/packages/`` are served by ``server.readpath`` before
Django sees the request."""

from django.urls import include, path

urlpatterns = [
    path("", include("stockade.upload.urls")),
    path("", include("stockade.simple.urls")),
    path("", include("stockade.server.urls")),
]
