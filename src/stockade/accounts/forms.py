"""Account forms. They check input and hand the work to ``accounts.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from stockade.accounts import services
from stockade.accounts.exceptions import InvalidCredentialsError
from stockade.accounts.models import User
from stockade.audit.services import Actor, actor_from_request
from stockade.web.views import base_url

USERNAME_MAX_LENGTH = 50
username_validator = RegexValidator(
    r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\Z",
    _(
        "Use letters, digits, dots, dashes and underscores, starting and ending with a letter "
        "or digit."
    ),
)


class RegistrationForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=USERNAME_MAX_LENGTH,
        validators=[username_validator],
        help_text=_("Letters, digits, dots, dashes and underscores; shown on your projects."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send a link to this address to verify it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=password_validation.password_validators_help_text_html,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        help_text=_("Type the same password, to catch typing mistakes."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This user name is taken."), code="taken")
        return username

    def clean_email(self) -> str:
        email = services.normalize_email(self.cleaned_data["email"])
        if services.is_email_taken(email):
            raise ValidationError(_("This address is already used by an account."), code="taken")
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as e:
                self.add_error("password1", e)
        return cleaned


class LoginForm(AuthenticationForm):
    """Django's login form, authenticating through ``services.authenticate_user``."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The user name or password is not right. Passwords are case-sensitive; user names "
            "are not."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("User name")
        self.fields["username"].widget.attrs["autocapitalize"] = "none"

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.authenticate_user(
                    actor=actor_from_request(self.request), username=username, password=password
                )
            except InvalidCredentialsError as e:
                raise self.get_invalid_login_error() from e
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ChangePasswordForm(PasswordChangeForm):
    """Django's password change form, saving through ``services.change_password``."""

    def __init__(self, user: User, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.actor = actor

    def save(self, commit: bool = True) -> User:
        services.change_password(actor=self.actor, password=self.cleaned_data["new_password1"])
        return self.user


class PasswordResetRequestForm(PasswordResetForm):
    """Asks for an address; mail goes out through ``services.request_password_reset``."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("A verified address of your account, or its primary address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def save(self, *, request: Any = None, **_options: Any) -> None:  # type: ignore[override]
        services.request_password_reset(
            email=self.cleaned_data["email"], base_url=base_url(request)
        )


class ResetPasswordForm(SetPasswordForm):
    """Django's set-password form, saving through ``services.reset_password``."""

    def __init__(self, user: User, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.actor = actor

    def save(self, commit: bool = True) -> User:
        services.reset_password(
            actor=self.actor, user=self.user, password=self.cleaned_data["new_password1"]
        )
        return self.user


class AddEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        help_text=_("We send a link to this address to verify it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        email = services.normalize_email(self.cleaned_data["email"])
        if services.is_email_taken(email):
            raise ValidationError(_("This address is already used by an account."), code="taken")
        return email
