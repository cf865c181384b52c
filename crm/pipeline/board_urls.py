from django.urls import path

from . import views

urlpatterns = [
    path("pipeline/", views.board, name="board"),
]
