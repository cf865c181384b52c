from django.urls import path

from .views import actions, archive, claims, edit, overview, people, search

app_name = "customers"

urlpatterns = [
    path("", archive.customer_list, name="list"),
    path("search/", search.typeahead, name="search"),
    path("count/", archive.customer_count, name="count"),
    path("overview/", overview.overview, name="overview"),
    path("bulk/", actions.bulk, name="bulk"),
    path("<int:pk>/", archive.customer_detail, name="detail"),
    path("<int:pk>/stage/", actions.stage, name="stage"),
    path("<int:pk>/transfer/", actions.transfer, name="transfer"),
    path("<int:pk>/collaborators/", actions.collaborators, name="collaborators"),
    path("<int:pk>/contacts/<int:contact_id>/reveal/", actions.reveal, name="reveal"),
    path("<int:pk>/contacts/new/", people.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_id>/edit/", people.contact_edit, name="contact_edit"),
    path(
        "<int:pk>/contacts/<int:contact_id>/delete/", people.contact_delete, name="contact_delete"
    ),
    path("<int:pk>/addresses/new/", people.address_create, name="address_create"),
    path("<int:pk>/addresses/<int:address_id>/edit/", people.address_edit, name="address_edit"),
    path(
        "<int:pk>/addresses/<int:address_id>/delete/",
        people.address_delete,
        name="address_delete",
    ),
    path("claims/", claims.claim_list, name="claims"),
    path("claims/new/", claims.claim_request, name="claim_request"),
    path("claims/<int:pk>/approve/", claims.approve, name="claim_approve"),
    path("claims/<int:pk>/reject/", claims.reject, name="claim_reject"),
    *edit.urlpatterns,
]
