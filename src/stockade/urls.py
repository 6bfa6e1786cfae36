"""Top-level URLs. ``/simple/`` and ``/packages/`` are answered by ``server.readpath`` before
Django sees the request; the names here let templates link to them."""

from django.urls import include, path
from django.views.generic import RedirectView

from stockade.tokens.views import disclose_token

urlpatterns = [
    path("", include("stockade.upload.urls")),
    path("", include("stockade.simple.urls")),
    path("", include("stockade.audit.urls")),
    path("admin/names/", include("stockade.names.urls")),
    path("", include("stockade.mfa.urls")),
    path("account/", include("stockade.accounts.urls")),
    path("manage/", include("stockade.packaging.urls")),
    path("manage/tokens/", include("stockade.tokens.urls")),
    path("_/secrets/disclose-token", disclose_token, name="disclose-token"),
    path("", include("stockade.web.urls")),
    # Served by the read path; named here for reverse() only.
    path("simple/", RedirectView.as_view(url="/simple/"), name="simple-index"),
]
