"""Model helpers shared by the apps."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django.utils.encoding import force_str


@cache
def _labels(field: models.Field[Any, Any]) -> dict[Any, Any]:
    return dict(field.flatchoices)


class ChoiceLabels:
    """`get_<field>_display()` from a per-field dict built once, instead of Django's, which
    rebuilds the dict of lazily translated labels and hashes each one on every call (50
    rows × 3 choice columns cost a list page about 10 ms). Same result: the label in the
    active language, or the stored value when it is not a choice."""

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:
        value = getattr(self, field.attname)
        try:
            label = _labels(field).get(value, value)
        except TypeError:  # an unhashable value (never stored in a choice field of ours)
            label = value
        return force_str(label, strings_only=True)
