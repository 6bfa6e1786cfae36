"""The admin log's filter form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stockade.audit.services import EventFilters
from stockade.audit.tags import Tag


class AdminLogFilterForm(forms.Form):
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    project = forms.CharField(label=_("Project"), required=False, max_length=200)
    tag = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("Any event")), *Tag.choices]
    )
    ip = forms.CharField(
        label=_("IP address or hash"),
        required=False,
        max_length=64,
        help_text=_("An address is hashed before the search; a hash may be shortened."),
    )
    since = forms.DateTimeField(
        label=_("From"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("UTC"),
    )
    until = forms.DateTimeField(
        label=_("Until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("UTC"),
    )

    def filters(self) -> EventFilters:
        data = self.cleaned_data
        return EventFilters(
            user=data.get("user", "").strip(),
            project=data.get("project", "").strip(),
            tag=data.get("tag", ""),
            ip=data.get("ip", "").strip(),
            since=data.get("since"),
            until=data.get("until"),
        )
