from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确",
        "inactive": "该账号已停用,请联系管理员",
    }


class SetupForm(forms.Form):
    username = forms.RegexField(
        label="用户名",
        regex=r"^[\w.@+-]+$",
        max_length=150,
        error_messages={"invalid": "用户名只能包含字母、数字和 @ . + - _"},
    )
    full_name = forms.CharField(label="姓名", max_length=60, required=False)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="再次输入密码", widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return data


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput, strip=False)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的密码不一致")
        return data
