from django.urls import include, path

app_name = "pipeline"

# The board and the opportunity dialogs (views.py), contracts, orders and levels
# (business_views.py): each module lists its own routes.
urlpatterns = [
    path("", include("crm.pipeline.board_urls")),
    path("", include("crm.pipeline.business_urls")),
]
