"""The form for creating an API token in the browser."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SCOPE_USER = "user"
SCOPE_PROJECTS = "projects"


class CreateTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “CI for mylib”, so you can recognise it later."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=[
            (SCOPE_USER, _("All my projects, including new ones")),
            (SCOPE_PROJECTS, _("Only the projects chosen below")),
        ],
        initial=SCOPE_PROJECTS,
    )
    projects = forms.MultipleChoiceField(
        label=_("Projects"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used when the scope is limited to chosen projects."),
    )
    expires = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Optional. The token stops working at the start of this day (UTC). "
            "Leave empty for a token that does not expire."
        ),
    )

    def __init__(self, *args, project_names: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["projects"].choices = project_names

    def clean_expires(self) -> datetime | None:
        day: date | None = self.cleaned_data["expires"]
        if day is None:
            return None
        moment = datetime.combine(day, time.min, tzinfo=UTC)
        if moment <= timezone.now():
            raise forms.ValidationError(_("Choose a day in the future."))
        return moment

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("scope") == SCOPE_PROJECTS and not cleaned.get("projects"):
            self.add_error("projects", _("Choose at least one project, or scope to all projects."))
        if cleaned.get("scope") == SCOPE_USER:
            cleaned["projects"] = []
        return cleaned
