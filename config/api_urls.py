from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from crm.accounts.api.views import TeamViewSet, TokenRevokeView, TokenView, UserViewSet
from crm.aftersales.api import views as aftersales
from crm.audit.api.views import AuditEventViewSet, SensitiveAccessViewSet
from crm.contacts.api.views import ContactViewSet
from crm.customers.api import views as customers
from crm.discipline.api.views import AgendaView, DisciplineRulesView
from crm.needs.api import views as needs
from crm.notifications.api.views import NotificationViewSet
from crm.pipeline.api import views as pipeline
from crm.records.api.views import RecordViewSet, TaskViewSet
from crm.transfer.api.exports import CustomerExportView
from crm.transfer.api.imports import ImportJobViewSet
from crm.workdays.api import views as workdays

router = DefaultRouter()
router.register("customers", customers.CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("industries", customers.IndustryViewSet, basename="industry")
router.register("regions", customers.RegionViewSet, basename="region")
router.register("sources", customers.SourceViewSet, basename="source")
router.register("tags", customers.TagViewSet, basename="tag")
router.register("custom-fields", customers.CustomFieldViewSet, basename="customfield")
router.register("duplicate-claims", customers.ClaimViewSet, basename="claim")
router.register("number-rule", customers.NumberRuleViewSet, basename="numberrule")
router.register("audit-events", AuditEventViewSet, basename="auditevent")
router.register("sensitive-access", SensitiveAccessViewSet, basename="sensitiveaccess")
router.register("records", RecordViewSet, basename="record")
router.register("tasks", TaskViewSet, basename="task")
router.register("workdays", workdays.WorkdayViewSet, basename="workday")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("imports", ImportJobViewSet, basename="import")
router.register("workday-overrides", workdays.CalendarOverrideViewSet, basename="workdayoverride")
router.register("opportunities", pipeline.OpportunityViewSet, basename="opportunity")
router.register("pipelines", pipeline.PipelineViewSet, basename="pipeline")
router.register("pipeline-stages", pipeline.StageViewSet, basename="pipelinestage")
router.register("pipeline-gates", pipeline.GateViewSet, basename="pipelinegate")
router.register("contracts", pipeline.ContractViewSet, basename="contract")
router.register("orders", pipeline.OrderViewSet, basename="order")
router.register("needs-analyses", needs.AnalysisViewSet, basename="needsanalysis")
router.register("demand-changes", needs.ChangeViewSet, basename="demandchange")
router.register("deliveries", aftersales.DeliveryViewSet, basename="delivery")
router.register("surveys", aftersales.SurveyViewSet, basename="survey")
router.register("feedback", aftersales.FeedbackViewSet, basename="feedback")
router.register("referrals", aftersales.ReferralViewSet, basename="referral")
router.register("risks", aftersales.RiskViewSet, basename="risk")
router.register("cases", aftersales.CaseViewSet, basename="case")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/token/current/", TokenRevokeView.as_view(), name="api-token-revoke"),
    path("agenda/", AgendaView.as_view(), name="api-agenda"),
    path("discipline-rules/", DisciplineRulesView.as_view(), name="api-discipline-rules"),
    path("exports/customers/", CustomerExportView.as_view(), name="api-export-customers"),
    path(
        "customers/<int:pk>/level-override/",
        pipeline.LevelOverrideView.as_view(),
        name="api-customer-level-override",
    ),
    path("tier-rules/", pipeline.TierRulesView.as_view(), name="api-tier-rules"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
