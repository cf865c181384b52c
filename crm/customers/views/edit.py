"""Create and edit forms for a customer (pages, inline validation, duplicate hint, cascades)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
