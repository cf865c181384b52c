from django.urls import path

from . import discipline_views, pipeline_views, views, workday_views

app_name = "configuration"

urlpatterns = [
    path("", views.index, name="index"),
    path("teams/", views.team_list, name="teams"),
    path("teams/new/", views.team_edit, name="team_create"),
    path("teams/<int:pk>/", views.team_edit, name="team_edit"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("numbering/", views.numbering_rule, name="numbering"),
    path("industries/", views.industry_list, name="industries"),
    path("industries/<str:code>/", views.industry_edit, name="industry_edit"),
    path("custom-fields/", views.custom_field_list, name="custom_fields"),
    path("custom-fields/new/", views.custom_field_edit, name="custom_field_create"),
    path("custom-fields/<int:pk>/", views.custom_field_edit, name="custom_field_edit"),
    path("custom-fields/<int:pk>/active/", views.custom_field_active, name="custom_field_active"),
    path("sources/", views.source_list, name="sources"),
    path("sources/new/", views.source_edit, name="source_create"),
    path("sources/<int:pk>/", views.source_edit, name="source_edit"),
    path("sources/<int:pk>/active/", views.source_active, name="source_active"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<int:pk>/", views.tag_detail, name="tag"),
    path("tags/<int:pk>/rename/", views.tag_rename, name="tag_rename"),
    path("tags/<int:pk>/merge/", views.tag_merge, name="tag_merge"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    path("workdays/", workday_views.workdays, name="workdays"),
    path("workdays/remove/", workday_views.workday_remove, name="workday_remove"),
    path("discipline/", discipline_views.discipline_rules, name="discipline"),
    path("pipelines/", pipeline_views.pipeline_list, name="pipelines"),
    path("pipelines/new/", pipeline_views.pipeline_edit, name="pipeline_create"),
    path("pipelines/<int:pk>/", pipeline_views.pipeline_edit, name="pipeline_edit"),
    path("pipelines/<int:pk>/stages/new/", pipeline_views.stage_create, name="stage_create"),
    path("pipelines/stages/<int:pk>/", pipeline_views.stage_edit, name="stage_edit"),
    path("pipelines/stages/<int:pk>/gates/new/", pipeline_views.gate_create, name="gate_create"),
    path("pipelines/gates/<int:pk>/", pipeline_views.gate_edit, name="gate_edit"),
    path("tier-rules/", pipeline_views.tier_rules, name="tier_rules"),
]
