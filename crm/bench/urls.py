"""/bench/: the floor views, mounted only in a server started with CRM_BENCH=1."""

from django.urls import URLPattern, path

from . import enabled, views

app_name = "bench"

urlpatterns: list[URLPattern] = (
    [
        path("bare/", views.bare, name="bare"),
        path("row/", views.row, name="row"),
        path("page/", views.page, name="page"),
    ]
    if enabled()
    else []
)
