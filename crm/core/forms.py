from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def apply_errors(
    form: forms.Form, exc: ValidationError, rename: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form: per field where the field exists."""
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        name = rename.get(field, field)
        form.add_error(name if name in form.fields else None, messages)
