"""Contracts, orders and the customer's level on the customer page (business_views.py)."""

from django.urls import path

from . import business_views as views

urlpatterns = [
    path("customers/<int:pk>/business/", views.customer_business, name="business_card"),
    path("customers/<int:pk>/contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("customers/<int:pk>/orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/delete/", views.order_delete, name="order_delete"),
    path("customers/<int:pk>/level/", views.level_override, name="level_override"),
    path("customers/<int:pk>/level/auto/", views.level_clear, name="level_clear"),
]
