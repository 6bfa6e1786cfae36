from django.urls import path

from stockade.audit import views

app_name = "audit"
urlpatterns = [
    path("account/security/", views.account_history, name="account-history"),
    path("manage/project/<str:name>/history/", views.project_history, name="project-history"),
    path("admin/audit/", views.admin_log, name="admin-log"),
]
