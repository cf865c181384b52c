"""Chinese words for audit events: action names, field labels and choice values."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from crm.core.formats import grouped_amount, local_moment

from .models import AuditEvent

ACTIONS = {
    "customer.create": "新建客户",
    "customer.update": "修改客户信息",
    "customer.stage": "变更合作阶段",
    "customer.transfer": "转移主责人",
    "customer.collaborator_add": "添加协办人",
    "customer.collaborator_remove": "移除协办人",
    "customer.address": "修改地址",
    "customer.claim_request": "申请处理重复客户",
    "customer.claim_resolve": "处理重复客户申请",
    "contact.create": "新增联系人",
    "contact.update": "修改联系人",
    "contact.delete": "删除联系人",
    "contact.reveal": "查看敏感信息",
    "user.create": "新建用户",
    "user.create_first_admin": "创建首个管理员",
    "user.update": "修改用户",
    "user.change_password": "修改密码",
    "team.create": "新建团队",
    "team.update": "修改团队",
    "token.issue": "签发 API 令牌",
    "token.revoke": "注销 API 令牌",
    "settings.number_rule": "修改客户编号规则",
    "settings.custom_field": "修改自定义字段",
    "settings.source": "修改客户来源",
    "settings.industry_code": "修改行业编号简码",
    "tag.rename": "重命名标签",
    "tag.merge": "合并标签",
    "tag.delete": "删除标签",
    "record.file": "填写维护记录",
    "record.update": "修改维护记录",
    "record.void": "作废维护记录",
    "task.create": "新建待办",
    "task.update": "修改待办",
    "task.complete": "完成待办",
    "task.cancel": "取消待办",
    "task.reopen": "重新打开待办",
    "workday.override_set": "设置工作日调整",
    "workday.override_remove": "删除工作日调整",
    "settings.discipline": "修改跟进纪律规则",
    "discipline.evaluate": "跟进纪律评估",
    "customer.info_checked": "确认客户信息已核实",
    "export.customers": "导出客户",
    "customer.print": "打印客户档案(含完整联系方式)",
    "contact.vcard": "导出联系人名片(含完整联系方式)",
    "customer.level": "变更客户等级",
    "opportunity.create": "新建商机",
    "opportunity.update": "修改商机",
    "opportunity.move": "变更商机阶段",
    "opportunity.gate": "通过商机关卡",
    "opportunity.objection": "记录客户异议",
    "opportunity.objection_answer": "答复客户异议",
    "contract.create": "新增合同",
    "contract.update": "修改合同",
    "contract.expire": "合同到期",
    "order.create": "新增订单",
    "order.update": "修改订单",
    "order.delete": "删除订单",
    "settings.tier_rules": "修改客户分级规则",
    "settings.pipeline": "修改销售流程",
    "settings.stage": "修改商机阶段",
    "settings.gate": "修改阶段关卡",
    "needs.file": "填写需求分析",
    "needs.update": "修改需求分析",
    "demand_change.create": "记录需求变化",
    "demand_change.update": "修改需求变化",
    "customer.flag": "变更客户标记",
    "delivery.create": "新建交付",
    "delivery.update": "修改交付",
    "delivery.deliver": "确认交付",
    "delivery.progress": "记录交付进度",
    "delivery.accept": "确认验收",
    "survey.create": "记录满意度调查",
    "survey.update": "修改满意度调查",
    "corepool.enter": "进入核心客户池",
    "corepool.leave": "移出核心客户池",
    "feedback.create": "记录客户反馈",
    "feedback.update": "修改客户反馈",
    "feedback.resolve": "处理客户反馈",
    "feedback.reopen": "重新打开客户反馈",
    "feedback.improvement": "提交反馈优化方案",
    "survey.improvement": "提交满意度优化方案",
    "referral.create": "登记转介绍",
    "referral.update": "修改转介绍",
    "referral.approve": "审批转介绍奖励",
    "referral.pay": "发放转介绍奖励",
    "risk.create": "发出风险预警",
    "risk.update": "修改风险预警",
    "risk.close": "关闭风险预警",
    "risk.reopen": "重新打开风险预警",
    "case.create": "收录案例",
    "case.update": "修改案例",
    "case.withdraw": "撤下案例",
}
EXTRA_FIELDS = {
    "tags": "标签",
    "addresses": "地址",
    "collaborators": "协办人",
    "field": "字段",
    "token": "令牌",
    "password": "密码",
    "customers": "使用客户数",
    "merged_into": "合并到",
    "contacts": "联系人",
    "gate": "关卡",
    "objection": "异议",
    "answer": "答复",
    "chain": "决策链",
}


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def _model_field(event: AuditEvent, name: str) -> Any:
    try:
        return apps.get_model(event.object_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None


def _shown(field: Any, value: Any, custom_labels: dict[str, str] | None = None) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "(空)"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):  # custom fields: "label: value" pairs, in a stable order
        names = custom_labels or {}
        return "; ".join(f"{names.get(k, k)}: {_shown(None, v)}" for k, v in sorted(value.items()))
    if isinstance(field, models.DateTimeField):
        return local_moment(value)
    if isinstance(field, models.DecimalField):
        return grouped_amount(value)
    return str(value)


def describe(
    event: AuditEvent, changes: dict[str, Any], custom_labels: dict[str, str] | None = None
) -> list[tuple[str, str, str]]:
    """(field label, before, after) rows in Chinese for a timeline entry; custom-field values
    are named by `custom_labels` (key → label) where given."""
    rows = []
    for name, change in changes.items():
        field = _model_field(event, name)
        if not hasattr(field, "verbose_name"):  # reverse relations such as addresses
            field = None
        label = EXTRA_FIELDS.get(name) or (str(field.verbose_name) if field else name)
        if not isinstance(change, dict):
            continue
        rows.append(
            (
                label,
                _shown(field, change.get("before"), custom_labels),
                _shown(field, change.get("after"), custom_labels),
            )
        )
    return rows
