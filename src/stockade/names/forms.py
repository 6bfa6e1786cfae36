"""Forms of the administrators' name review pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from packaging.utils import InvalidName, canonicalize_name


class _NameField(forms.CharField):
    def clean(self, value: str) -> str:
        value = super().clean(value)
        try:
            canonicalize_name(value, validate=True)
        except InvalidName as e:
            raise forms.ValidationError(_("This is not a valid project name.")) from e
        return value


class ExceptionForm(forms.Form):
    name = _NameField(label=_("Project name"), max_length=200)
    username = forms.CharField(
        label=_("For user"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to allow the name for anyone."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if username and not get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError(_("No user by that name."))
        return username


class ProhibitedNameForm(forms.Form):
    name = _NameField(label=_("Project name"), max_length=200)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
