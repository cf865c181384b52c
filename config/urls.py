from django.urls import include, path

urlpatterns = [
    path("", include("crm.accounts.urls")),
    path("customers/", include("crm.customers.urls")),
    path("settings/", include("crm.configuration.urls")),
    path("", include("crm.records.urls")),
    path("", include("crm.pipeline.urls")),
    path("", include("crm.needs.urls")),
    path("", include("crm.aftersales.urls")),
    path("", include("crm.discipline.urls")),
    path("notifications/", include("crm.notifications.urls")),
    path("", include("crm.transfer.urls")),
    path("api/v1/", include("config.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("bench/", include("crm.bench.urls")),  # empty unless CRM_BENCH=1 (crm bench)
]
