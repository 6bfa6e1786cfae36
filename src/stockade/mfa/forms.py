"""Forms of the second-factor pages: they only check the shape of what was typed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        help_text=_("Six digits; a new code appears every 30 seconds."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Recovery code"),
        max_length=32,
        help_text=_("One of the codes you saved when you set up two-factor authentication."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class ReauthenticateForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SecurityKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the key"),
        max_length=64,
        help_text=_("So you can tell your keys apart, for example “blue USB key” or “laptop”."),
    )


class ProjectPolicyForm(forms.Form):
    require_members = forms.BooleanField(
        label=_("Require two-factor authentication of every member who uploads"),
        required=False,
    )
