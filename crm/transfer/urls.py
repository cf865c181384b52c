from django.urls import path

from . import views

app_name = "transfer"

urlpatterns = [
    # imports (crm.transfer.views)
    path("imports/", views.import_list, name="imports"),
    # exports and printouts are added below
]
