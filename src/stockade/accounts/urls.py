"""Account pages, under ``/account/``."""

from django.urls import path

from stockade.accounts import views

app_name = "accounts"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register-done"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("settings/", views.account_settings, name="settings"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/sent/",
        views.PasswordResetSentView.as_view(),
        name="password-reset-sent",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("email/add/", views.add_email, name="add-email"),
    path("email/<int:email_id>/resend/", views.resend_verification, name="resend-verification"),
    path("email/<int:email_id>/remove/", views.remove_email, name="remove-email"),
    path("email/<int:email_id>/primary/", views.set_primary_email, name="set-primary-email"),
    path("verify/<str:token>/", views.verify_email, name="verify-email"),
]
