from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    """The PRC working-day calendar: chinese-calendar plus an admin-editable override table."""

    name = "crm.workdays"
    label = "workdays"
    verbose_name = "工作日历"
