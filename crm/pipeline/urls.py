from django.urls import path

from . import views

app_name = "pipeline"

urlpatterns = [
    path("pipeline/", views.board, name="board"),
]
