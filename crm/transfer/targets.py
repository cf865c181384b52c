"""What a spreadsheet column can be imported into, per import kind.

Each target has a code name (used in mappings and templates), the canonical Chinese header
(the one our own export writes, so an export re-imports with no mapping), and the value type
the importer parses it as. Header synonyms that people type live in `headers.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ValueType = Literal[
    "text", "date", "datetime", "amount", "bool", "choice", "int", "ref", "list", "longtext"
]


@dataclass(frozen=True)
class Target:
    key: str
    label: str  # canonical header (zh)
    type: ValueType = "text"
    required: bool = False
    group: str = "customer"  # customer / contact / address / record / task / contract / order


CUSTOMER_TARGETS: tuple[Target, ...] = (
    Target("number", "客户编号"),
    Target("name", "客户名称", required=True),
    Target("short_name", "简称"),
    Target("kind", "客户类型", "choice"),
    Target("uscc", "统一社会信用代码"),
    Target("industry", "所属行业", "ref"),
    Target("level", "客户等级", "choice"),
    Target("source", "客户来源", "ref"),
    Target("region", "区域", "ref"),
    Target("stage", "合作阶段", "choice"),
    Target("churn_reason", "流失原因"),
    Target("status", "状态标识", "choice"),
    Target("intent", "意向等级", "choice"),
    Target("need_keywords", "初步需求关键词"),
    Target("owner", "主责人", "ref"),
    Target("tags", "标签", "list"),
    Target("founded_on", "成立时间", "date"),
    Target("headcount", "企业规模", "choice"),
    Target("main_products", "主营产品"),
    Target("annual_revenue", "年营业额(元)", "amount"),
    Target("first_cooperation_on", "合作起始时间", "date"),
    Target("last_cooperation_on", "最近合作时间", "date"),
    Target("cooperation_products", "合作产品/服务"),
    # Derived in the archive (from contracts and orders): kept on the customer's notes.
    Target("cumulative_amount", "累计合作金额(元)", "amount"),
    Target("order_summary", "订单记录摘要", "longtext"),
    Target("contract_numbers", "合同编号"),
    Target("preferred_channel", "沟通方式偏好", "choice"),
    Target("service_preference", "服务需求偏好"),
    Target("focus", "关注重点"),
    Target("flag_complaint", "投诉", "bool"),
    Target("flag_contract_expiring", "合同到期", "bool"),
    Target("flag_churn_risk", "流失风险", "bool"),
    Target("flag_to_verify", "信息待核实", "bool"),
    Target("flag_long_inactive", "长期无合作", "bool"),
    Target("notes", "备注", "longtext"),
    Target("contact_name", "联系人", group="contact"),
    Target("contact_title", "职务", group="contact"),
    Target("contact_department", "部门", group="contact"),
    Target("contact_phone", "办公电话", group="contact"),
    Target("contact_mobile", "手机", group="contact"),
    Target("contact_email", "邮箱", group="contact"),
    Target("contact_wechat", "微信", group="contact"),
    Target("contact_decision_role", "决策链角色", "choice", group="contact"),
    Target("contact_id_number", "证件号码", group="contact"),
    Target("contact_emergency_contact", "紧急联系人", group="contact"),
    Target("contact_emergency_phone", "紧急联系人电话", group="contact"),
    Target("address_hq", "总部地址", group="address"),
    Target("address_branch", "分支机构地址", group="address"),
)

RECORD_TARGETS: tuple[Target, ...] = (
    Target("customer_number", "客户编号", group="record"),
    Target("customer_name", "客户名称", group="record"),
    Target("occurred_at", "维护日期", "datetime", required=True, group="record"),
    Target("channel", "维护方式", "choice", required=True, group="record"),
    Target("maintainer", "维护人", "ref", group="record"),
    Target("contact", "联系人及职务", group="record"),
    Target("purpose", "沟通目的", "choice", group="record"),
    Target("content", "沟通核心内容", "longtext", required=True, group="record"),
    Target("feedback", "客户反馈", "longtext", group="record"),
    Target("sentiment", "态度倾向", "choice", group="record"),
    Target("next_contact_on", "下次沟通时间", "date", group="record"),
    Target("next_channel", "下次沟通方式", "choice", group="record"),
    Target("next_focus", "重点方向", group="record"),
    Target("notes", "备注", "longtext", group="record"),
    Target("task_description", "待办事项", group="task"),
    Target("task_owner", "负责人", "ref", group="task"),
    Target("task_due", "完成时限", "date", group="task"),
    Target("task_result", "跟进记录", "longtext", group="task"),
)

# Contracts and orders name their customer by 客户编号 or 客户名称 and are known by their own
# number: a file imported twice changes nothing (crm/transfer/business_import.py).
CONTRACT_TARGETS: tuple[Target, ...] = (
    Target("customer_number", "客户编号", group="contract"),
    Target("customer_name", "客户名称", group="contract"),
    Target("number", "合同编号", required=True, group="contract"),
    Target("title", "合同名称", group="contract"),
    Target("amount", "合同金额(元)", "amount", required=True, group="contract"),
    Target("signed_on", "签订日期", "date", group="contract"),
    Target("starts_on", "开始日期", "date", group="contract"),
    Target("ends_on", "到期日期", "date", group="contract"),
    Target("term", "合同期限", group="contract"),  # 2024-01-01至2024-12-31: start and end
    Target("contract_status", "合同状态", "choice", group="contract"),
    Target("notes", "备注", "longtext", group="contract"),
)

ORDER_TARGETS: tuple[Target, ...] = (
    Target("customer_number", "客户编号", group="order"),
    Target("customer_name", "客户名称", group="order"),
    Target("number", "订单编号", required=True, group="order"),
    Target("ordered_on", "订单日期", "date", required=True, group="order"),
    Target("amount", "订单金额(元)", "amount", required=True, group="order"),
    Target("summary", "订单摘要", group="order"),
    Target("contract_number", "合同编号", group="order"),  # a contract of the same customer
)

TARGETS: dict[str, tuple[Target, ...]] = {
    "customers": CUSTOMER_TARGETS,
    "records": RECORD_TARGETS,
    "contracts": CONTRACT_TARGETS,
    "orders": ORDER_TARGETS,
}
CUSTOM_PREFIX = "custom:"  # custom:<definition key>, labelled with the definition's label


def by_key(kind: str) -> dict[str, Target]:
    return {target.key: target for target in TARGETS[kind]}
