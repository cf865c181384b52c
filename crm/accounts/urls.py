from django.shortcuts import redirect
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", lambda request: redirect("customers:list"), name="home"),
    path("setup/", views.setup, name="setup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
]
