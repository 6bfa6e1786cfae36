"""Forms of the project management pages. They check input; services check permissions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from packaging.utils import canonicalize_name

from stockade.packaging.models import Role


class YankForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to people who install this release, e.g. why to upgrade."),
    )


class ConfirmNameForm(forms.Form):
    """Confirm a deletion by typing the name of what is deleted."""

    confirm = forms.CharField(label=_("Type the name to confirm"), max_length=255)

    def __init__(self, *args, expected: str, normalize: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected
        self.normalize = normalize
        self.fields["confirm"].help_text = _("Type %(name)s exactly.") % {"name": expected}

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        matches = typed == self.expected or (
            self.normalize and canonicalize_name(typed) == canonicalize_name(self.expected)
        )
        if not matches:
            raise forms.ValidationError(
                _("That is not %(name)s. Nothing was deleted."), params={"name": self.expected}
            )
        return typed


class InviteForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.Name.choices,
        initial=Role.Name.MAINTAINER,
        help_text=_("Maintainers upload releases. Owners also yank, delete and manage people."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.Name.choices)
