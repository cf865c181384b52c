from django.urls import path

from . import views

app_name = "needs"

urlpatterns = [
    path("customers/<int:pk>/needs/", views.card, name="card"),
    path("customers/<int:pk>/needs/new/", views.file_analysis, name="file"),
    path("needs/<int:pk>/edit/", views.edit_analysis, name="edit"),
    path("customers/<int:pk>/demand-changes/new/", views.record_change, name="change"),
    path("demand-changes/<int:pk>/edit/", views.edit_change, name="edit_change"),
]
