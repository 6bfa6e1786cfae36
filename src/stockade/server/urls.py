from django.urls import path

from stockade.server import views

app_name = "server"
urlpatterns = [
    path("", views.home, name="home"),
]
