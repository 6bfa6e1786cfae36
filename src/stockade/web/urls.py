from django.urls import path

from stockade.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("project/<str:name>/", views.project, name="project"),
    path("project/<str:name>/<str:version>/", views.release, name="release"),
    path("user/<str:name>/", views.user, name="user"),
]
