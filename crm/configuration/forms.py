"""Settings forms: parse and check the input only; the services save (see views.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator as MaxValue
from django.core.validators import MinValueValidator as MinValue
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.choices import Role
from crm.accounts.models import Team, User
from crm.customers.choices import CustomFieldType

MAX_CHOICES = 100
MAX_CHOICE_LENGTH = 50


class TablerBoundField(forms.BoundField):
    """Widgets with Tabler classes; a field with errors is marked is-invalid."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if self.errors:
            css += " is-invalid"
        attrs["class"] = f"{attrs.get('class', '')} {css}".strip()
        return attrs


class SettingsForm(forms.Form):
    bound_field_class = TablerBoundField


def _users_for(current: User | None) -> Any:
    """Active users, plus the current choice even if it was deactivated since."""
    keep = Q(is_active=True) | (Q(pk=current.pk) if current is not None else Q(pk__in=[]))
    return User.objects.filter(keep).order_by("username")


class TeamForm(SettingsForm):
    name = forms.CharField(label=_("团队名称"), max_length=60)
    manager = forms.ModelChoiceField(
        label=_("负责人"), queryset=User.objects.none(), required=False, empty_label=_("(无)")
    )

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager_field = self.fields["manager"]
        assert isinstance(manager_field, forms.ModelChoiceField)
        manager_field.queryset = _users_for(team.manager if team else None)


class UserFilterForm(forms.Form):
    """The users list's filters; an invalid value is simply not applied."""

    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    role = forms.ChoiceField(choices=[("", _("全部角色")), *Role.choices], required=False)
    active = forms.ChoiceField(
        choices=[("", _("全部状态")), ("1", _("启用")), ("0", _("已停用"))], required=False
    )

    def filters(self) -> Q:
        if not self.is_valid():
            return Q()
        data, query = self.cleaned_data, Q()
        if data.get("team"):
            query &= Q(team=data["team"])
        if data.get("role"):
            query &= Q(role=data["role"])
        if data.get("active"):
            query &= Q(is_active=data["active"] == "1")
        return query


class UserEditForm(SettingsForm):
    full_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    team = forms.ModelChoiceField(
        label=_("团队"), queryset=Team.objects.all(), required=False, empty_label=_("(无)")
    )
    mobile = forms.CharField(label=_("手机"), max_length=20, required=False)
    is_active = forms.BooleanField(label=_("启用(可以登录)"), required=False)
    grant_sensitive = forms.BooleanField(
        label=_("可查看敏感信息"),
        required=False,
        help_text=_("证件号码、银行账户;每次查看都会记录"),
    )
    grant_personal = forms.BooleanField(
        label=_("可查看完整联系方式"), required=False, help_text=_("手机、邮箱不打码显示")
    )


class UserCreateForm(UserEditForm):
    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[\w.@+-]+$",
        max_length=150,
        error_messages={"invalid": _("用户名只能包含字母、数字和 @ . + - _")},
    )
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位,不能太简单;请用户登录后自行修改"),
    )
    field_order = ["username", "full_name", "role", "team", "mobile", "password"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]  # a new user starts active


class NumberPatternForm(SettingsForm):
    pattern = forms.CharField(
        label=_("编号规则"),
        max_length=60,
        widget=forms.TextInput(attrs={"list": "pattern-presets", "autocomplete": "off"}),
        help_text=_("占位符:{YYYY} 年份、{YYYYMMDD} 日期、{IND} 行业简码、{SEQ:n} n 位序号"),
    )
    reason = forms.CharField(label=_("修改原因"), max_length=200, required=False)


class IndustryCodeForm(SettingsForm):
    short_code = forms.CharField(
        label=_("编号简码"),
        max_length=6,
        required=False,
        help_text=_("2-6 个英文字母,如 TEC;留空则大类沿用门类的简码"),
    )


class CustomFieldForm(SettingsForm):
    key = forms.CharField(
        label=_("字段键"),
        max_length=40,
        help_text=_("创建后不能修改;小写字母开头,只含小写字母、数字和下划线,如 satisfaction_score"),
    )
    label = forms.CharField(label=_("名称"), max_length=40)
    type = forms.ChoiceField(label=_("类型"), choices=CustomFieldType.choices)
    choices = forms.CharField(
        label=_("可选值"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("仅“单选”类型使用:每行一个可选值"),
    )
    required = forms.BooleanField(label=_("必填"), required=False)
    position = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=0)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["key"]

    def clean_choices(self) -> list[str]:
        values: list[str] = []
        for line in self.cleaned_data.get("choices", "").splitlines():
            value = line.strip()
            if len(value) > MAX_CHOICE_LENGTH:
                raise forms.ValidationError(
                    _("每个可选值最多 %(n)s 个字符") % {"n": MAX_CHOICE_LENGTH}
                )
            if value and value not in values:
                values.append(value)
        if len(values) > MAX_CHOICES:
            raise forms.ValidationError(_("可选值最多 %(n)s 个") % {"n": MAX_CHOICES})
        return values

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data["type"] != CustomFieldType.CHOICE:
            data["choices"] = []
        return data


class SourceForm(SettingsForm):
    name = forms.CharField(label=_("名称"), max_length=30)
    position = forms.IntegerField(
        label=_("排序"), min_value=0, max_value=32767, initial=0, help_text=_("数字小的排在前面")
    )


class TagRenameForm(SettingsForm):
    name = forms.CharField(label=_("新名称"), max_length=30)


class TagMergeForm(SettingsForm):
    into = forms.CharField(
        label=_("合并到标签"),
        max_length=30,
        help_text=_("输入已有标签的完整名称;合并后本标签被删除"),
    )


class WorkdayOverrideForm(SettingsForm):
    day = forms.DateField(
        label=_("日期"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    is_workday = forms.TypedChoiceField(
        label=_("当天"),
        choices=[("0", _("休息(放假)")), ("1", _("上班(调休补班)"))],
        coerce=lambda value: value == "1",
        initial="0",
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=100,
        required=False,
        help_text=_("如:国务院办公厅通知 国办发明电〔2026〕X 号;公司年会"),
    )


class WorkdayRemoveForm(forms.Form):
    day = forms.DateField(input_formats=["%Y-%m-%d"])


# 跟进纪律规则, in the groups the settings page shows (field, label).
DISCIPLINE_GROUPS: list[tuple[Any, list[tuple[str, Any]]]] = [
    (
        _("按意向程度(工作日)"),
        [
            ("intent_high_days", _("高意向")),
            ("intent_medium_days", _("中意向")),
            ("intent_low_days", _("低意向")),
        ],
    ),
    (
        _("按客户阶段(工作日)"),
        [
            ("potential_days", _("潜在客户(未约定下次沟通时)")),
            ("intent_stage_days", _("意向客户")),
            ("cooperating_days", _("合作中客户")),
            ("dormant_days", _("沉睡客户回顾")),
            ("lost_days", _("流失客户回顾")),
        ],
    ),
    (
        _("按客户等级(工作日,留空表示不单独设置)"),
        [
            ("level_a_days", _("A 类(战略客户)")),
            ("level_b_days", _("B 类(重点客户)")),
            ("level_c_days", _("C 类(普通客户)")),
        ],
    ),
    (
        _("标记与升级"),
        [
            ("dormant_months", _("无合作满几个月标记“长期无合作”")),
            ("info_check_months", _("信息核实周期(月)")),
            ("escalate_after_days", _("逾期几个工作日后升级至团队经理")),
        ],
    ),
]


class DisciplineRulesForm(SettingsForm):
    """跟进纪律规则: the bounds come from the model's validators; the service saves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from crm.discipline.models import DisciplineRules

        super().__init__(*args, **kwargs)
        for _group, fields in DISCIPLINE_GROUPS:
            for name, label in fields:
                model_field = DisciplineRules._meta.get_field(name)
                assert isinstance(model_field, models.Field)
                validators = model_field.validators
                self.fields[name] = forms.IntegerField(
                    label=label,
                    min_value=next(v.limit_value for v in validators if isinstance(v, MinValue)),
                    max_value=next(v.limit_value for v in validators if isinstance(v, MaxValue)),
                    required=not model_field.null,
                )

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name, _label in fields]) for title, fields in DISCIPLINE_GROUPS
        ]
