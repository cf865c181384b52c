"""Filter pieces shared by every FilterSet."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms


class IdFilter(filters.NumberFilter):
    """A whole, positive database id (anything else is a 400, never an overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
