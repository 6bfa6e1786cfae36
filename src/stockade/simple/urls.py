from django.urls import path

from stockade.simple import views

app_name = "simple"
urlpatterns = [
    path("pypi/<str:name>/json", views.project_json, name="project-json"),
    path("pypi/<str:name>/<str:version>/json", views.release_json, name="release-json"),
]
