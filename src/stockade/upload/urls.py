from django.urls import path

from stockade.upload import views

app_name = "upload"
urlpatterns = [
    path("legacy/", views.legacy_upload, name="legacy-upload"),
]
