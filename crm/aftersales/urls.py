"""售后服务 on the customer page and the case library 案例库 (views.py)."""

from django.urls import path

from . import views

app_name = "aftersales"

urlpatterns = [
    path("customers/<int:pk>/aftersales/", views.card, name="card"),
    path("customers/<int:pk>/aftersales/<slug:section>/", views.card_section, name="card_section"),
    path("customers/<int:pk>/deliveries/new/", views.delivery_create, name="delivery_create"),
    path("deliveries/<int:pk>/edit/", views.delivery_edit, name="delivery_edit"),
    path("deliveries/<int:pk>/deliver/", views.delivery_deliver, name="delivery_deliver"),
    path("deliveries/<int:pk>/accept/", views.delivery_accept, name="delivery_accept"),
    path("deliveries/<int:pk>/progress/", views.delivery_progress, name="delivery_progress"),
    path("customers/<int:pk>/surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/<int:pk>/plan/", views.survey_plan, name="survey_plan"),
    path("surveys/<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("customers/<int:pk>/feedback/new/", views.feedback_create, name="feedback_create"),
    path("feedback/<int:pk>/resolve/", views.feedback_resolve, name="feedback_resolve"),
    path("feedback/<int:pk>/reopen/", views.feedback_reopen, name="feedback_reopen"),
    path("feedback/<int:pk>/plan/", views.feedback_plan, name="feedback_plan"),
    path("feedback/<int:pk>/edit/", views.feedback_edit, name="feedback_edit"),
    path("customers/<int:pk>/referrals/new/", views.referral_create, name="referral_create"),
    path(
        "customers/<int:pk>/referrals/candidates/",
        views.referral_candidates,
        name="referral_candidates",
    ),
    path("referrals/<int:pk>/edit/", views.referral_edit, name="referral_edit"),
    path("referrals/<int:pk>/approve/", views.referral_approve, name="referral_approve"),
    path("referrals/<int:pk>/pay/", views.referral_pay, name="referral_pay"),
    path("customers/<int:pk>/risks/new/", views.risk_create, name="risk_create"),
    path("risks/<int:pk>/close/", views.risk_close, name="risk_close"),
    path("risks/<int:pk>/reopen/", views.risk_reopen, name="risk_reopen"),
    path("risks/<int:pk>/edit/", views.risk_edit, name="risk_edit"),
    path("customers/<int:pk>/cases/new/", views.case_create, name="case_create"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/withdraw/", views.case_withdraw, name="case_withdraw"),
]
