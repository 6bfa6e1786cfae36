"""API token pages, included at ``/manage/tokens/``. The disclosure endpoint lives at
``/_/secrets/disclose-token`` (see ``stockade.urls``)."""

from django.urls import path

from stockade.tokens import views

app_name = "tokens"
urlpatterns = [
    path("", views.list_tokens, name="list-tokens"),
    path("new/", views.create_token, name="create-token"),
    path("<uuid:token_id>/revoke/", views.revoke_token, name="revoke-token"),
]
