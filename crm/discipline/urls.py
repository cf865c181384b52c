from django.urls import path

from . import views

app_name = "discipline"

urlpatterns = [
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("agenda/calendar/", views.calendar_settings, name="calendar"),
    path("customers/<int:pk>/clocks/", views.customer_clocks, name="customer_clocks"),
]
