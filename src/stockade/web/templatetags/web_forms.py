"""Render a form control with the ARIA attributes that tie it to its help text and errors."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def field_control(field: BoundField) -> SafeString:
    attrs: dict[str, str] = {}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_help")
    if field.errors:
        described_by.append(f"{field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def is_choice_group(field: BoundField) -> bool:
    """True for radio buttons and checkbox lists, which need a fieldset and a legend."""
    return (
        bool(getattr(field.field.widget, "allow_multiple_selected", False))
        or (getattr(field.field.widget, "input_type", "") == "radio")
        or field.field.widget.__class__.__name__ == "CheckboxSelectMultiple"
    )
