"""The opportunity board and the opportunity dialogs (views.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("pipeline/", views.board, name="board"),
    path("pipeline/opportunities/<int:pk>/move/", views.move, name="move"),
    path("pipeline/opportunities/<int:pk>/edit/", views.edit, name="edit"),
    path("pipeline/opportunities/<int:pk>/gates/", views.pass_gate, name="pass_gate"),
    path("pipeline/opportunities/<int:pk>/objections/", views.objections, name="objections"),
    path("pipeline/objections/<int:pk>/answer/", views.answer_objection, name="answer_objection"),
    path(
        "customers/<int:pk>/opportunities/",
        views.customer_opportunities,
        name="customer_opportunities",
    ),
    path("customers/<int:pk>/opportunities/new/", views.create, name="create"),
]
