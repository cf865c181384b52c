from django.urls import path

from .views import actions, archive, edit, search

app_name = "customers"

urlpatterns = [
    path("", archive.customer_list, name="list"),
    path("search/", search.typeahead, name="search"),
    path("bulk/", actions.bulk, name="bulk"),
    path("<int:pk>/", archive.customer_detail, name="detail"),
    path("<int:pk>/stage/", actions.stage, name="stage"),
    path("<int:pk>/transfer/", actions.transfer, name="transfer"),
    path("<int:pk>/collaborators/", actions.collaborators, name="collaborators"),
    path("<int:pk>/contacts/<int:contact_id>/reveal/", actions.reveal, name="reveal"),
    *edit.urlpatterns,
]
