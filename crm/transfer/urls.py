from django.urls import path

from . import export_views, views

app_name = "transfer"

urlpatterns = [
    # imports (crm.transfer.views)
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/refused.xlsx", views.import_refused, name="import_refused"),
    path("imports/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    # exports and printouts are added below
    path("exports/customers/", export_views.export_customers, name="export_customers"),
    path("print/customers/<int:pk>.pdf", export_views.print_customer, name="print_customer"),
    path("print/records/<int:pk>.pdf", export_views.print_record, name="print_record"),
    path("contacts/<int:pk>.vcf", export_views.contact_vcard, name="contact_vcard"),
    path("customers/<int:pk>/contacts.vcf", export_views.customer_vcards, name="customer_vcards"),
]
