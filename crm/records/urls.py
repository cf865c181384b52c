from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("agenda/", views.agenda, name="agenda"),
    path("customers/<int:pk>/records/", views.customer_records, name="customer_records"),
    path("customers/<int:pk>/records/new/", views.file_record, name="file"),
    path("customers/<int:pk>/tasks/", views.customer_tasks, name="customer_tasks"),
    path("records/<int:pk>/edit/", views.edit_record, name="edit"),
    path("records/<int:pk>/void/", views.void_record, name="void"),
    path("tasks/<int:pk>/complete/", views.complete_task, name="task_complete"),
    path("tasks/<int:pk>/cancel/", views.cancel_task, name="task_cancel"),
]
