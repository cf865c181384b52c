"""The follow-up discipline settings page (跟进纪律): cadences, flags and escalation; a thin
adapter over crm.discipline.services (which audits the change and re-evaluates everyone)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from crm.discipline import services
from crm.discipline.models import RULE_FIELDS

from . import forms as settings_forms
from .views import _actor, _data, _save, requires


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def discipline_rules(request: HttpRequest) -> HttpResponse:
    row = services.get_rules()
    initial = {name: getattr(row, name) for name in RULE_FIELDS}
    form = settings_forms.DisciplineRulesForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _save(request, form, lambda: services.update_rules(_actor(request), **data)):
            return redirect("configuration:discipline")
    return render(
        request,
        "configuration/discipline.html",
        {"form": form, "rules": row, "saved": row.pk and row.updated_by_id},
    )
