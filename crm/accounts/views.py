from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.core.actor import Actor
from crm.core.errors import Conflict
from crm.core.forms import apply_errors

from . import services
from .forms import LoginForm, PasswordChangeForm, SetupForm
from .models import User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("您已退出登录"))
        return response


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """First-administrator set-up; only while the database has no user."""
    if User.objects.exists():
        return redirect("accounts:login")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_first_admin(
                Actor(None, "web"),
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict:
            return redirect("accounts:login")
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "管理员账号已创建,欢迎使用")
            return redirect("customers:list")
    return render(request, "accounts/setup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.change_password(
                Actor(request.user, "web"),  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            apply_errors(form, exc, rename={"password": "new_password"})
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改")
            return redirect("customers:list")
    return render(request, "accounts/password_change.html", {"form": form})
