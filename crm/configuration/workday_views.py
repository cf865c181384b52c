"""The working-day calendar settings page (工作日历): a year's holidays, make-up working days
and administrators' overrides; thin adapters over crm.workdays."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.workdays import calendar, services
from crm.workdays.selectors import year_schedule

from . import forms as settings_forms
from .views import _actor, _data, _save, requires

FIRST_YEAR, LAST_YEAR = services.FIRST_DAY.year, services.LAST_DAY.year


def _year(value: str | None) -> int:
    """The ?year= asked for, or this year when it is missing or out of 1900-2100."""
    if value and value.isascii() and value.isdigit() and FIRST_YEAR <= int(value) <= LAST_YEAR:
        return int(value)
    return timezone.localdate().year


def _page_url(year: int) -> str:
    return f"{reverse('configuration:workdays')}?year={year}"


def _year_choices(year: int) -> list[tuple[int, int]]:
    """The package's years, up to five years ahead, and the year shown; newest first."""
    this_year = timezone.localdate().year
    years = set(calendar.PACKAGE_YEARS) | set(range(this_year - 1, this_year + 6)) | {year}
    return [(y, y) for y in sorted(years, reverse=True)]


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def workdays(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET.get("year"))
    form = settings_forms.WorkdayOverrideForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _save(request, form, lambda: services.set_override(_actor(request), **data)):
            return redirect(_page_url(data["day"].year))
    context = {
        "year": year,
        "years": _year_choices(year),
        "package_knows": calendar.package_knows(year),
        "rows": year_schedule(year),
        "form": form,
        "previous_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < LAST_YEAR else None,
    }
    return render(request, "configuration/workdays.html", context)


@requires("settings.manage")
@require_POST
def workday_remove(request: HttpRequest) -> HttpResponse:
    form = settings_forms.WorkdayRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("日期格式不正确"))
        return redirect(_page_url(_year(request.GET.get("year"))))
    day = form.cleaned_data["day"]
    try:
        services.remove_override(_actor(request), day=day)
    except (ValidationError, Http404) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已删除 %(day)s 的调整") % {"day": day.isoformat()})
    return redirect(_page_url(day.year))
