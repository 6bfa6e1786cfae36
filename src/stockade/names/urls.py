from django.urls import path

from stockade.names import views

app_name = "names"
urlpatterns = [
    path("", views.review, name="review"),
    path("held/<str:name>/approve/", views.approve_hold, name="approve-hold"),
    path("held/<str:name>/refuse/", views.refuse_hold, name="refuse-hold"),
    path("exceptions/<int:pk>/remove/", views.remove_exception, name="remove-exception"),
    path("prohibited/<int:pk>/remove/", views.remove_prohibited, name="remove-prohibited"),
]
