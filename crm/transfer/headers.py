"""Which column is which: the header texts people use for each import target, out of the box.

`SYNONYMS[kind][target key]` lists the headers that mean a target (its canonical label first);
`suggest_mapping` matches a sheet's header row against them after `normalise_header`, so
" 客户名称(全称)* " and "客户名称（全称）" both find `name`. A header whose parenthesis names
a unit of 万 or 亿 ("累计合作金额(万元)") is never matched: its values would need scaling.
`CHOICE_SYNONYMS[target key]` are extra cell values for choice targets (code values).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

_MARKERS = re.compile(r"[(\[【<]\s*(?:必填|选填|可选|非必填|必选)\s*[)\]】>]|[*※]")
_PARENTHESES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】")
_SCALED_UNIT = re.compile(r"\([^()]*[万亿][^()]*\)")
_WHITESPACE = re.compile(r"\s+")


def normalise_header(text: str) -> str:
    """A header as headers compare: NFKC, lower case, no spaces, no "*" or "(必填)", no colon."""
    text = unicodedata.normalize("NFKC", text or "").replace("【", "[").replace("】", "]")
    text = _WHITESPACE.sub("", text).lower()
    text = _MARKERS.sub("", text)
    return text.rstrip(":：")


CUSTOMER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": ("客户编号", "客户编码", "客户代码", "客户号", "客户ID", "编号"),
    "name": (
        "客户名称", "客户名称(全称)", "公司名称", "单位名称", "企业名称", "客户全称", "公司全称",
        "企业全称", "客户名", "客户", "名称",
    ),
    "short_name": ("简称", "客户简称", "公司简称", "企业简称"),
    "kind": ("客户类型", "类型", "客户性质", "客户类别"),
    "uscc": (
        "统一社会信用代码", "信用代码", "社会信用代码", "统一信用代码", "税号", "纳税人识别号",
        "纳税识别号",
    ),
    "industry": ("所属行业", "行业", "行业类别", "行业分类"),
    "level": ("客户等级", "等级", "客户级别", "级别", "客户分级"),
    "source": ("客户来源", "来源", "渠道", "来源渠道", "获客渠道"),
    "region": (
        "区域", "地区", "所在地区", "省市", "所在城市", "城市", "所属区域", "所在省市", "省份",
    ),
    "stage": ("合作阶段", "客户阶段", "阶段", "销售阶段"),
    "churn_reason": ("流失原因", "流失说明"),
    "status": ("状态标识", "状态", "客户状态"),
    "intent": ("意向等级", "意向程度", "意向", "购买意向", "意向度"),
    "need_keywords": ("初步需求关键词", "需求关键词", "初步需求", "客户需求", "需求"),
    "owner": (
        "主责人", "负责人", "销售", "客户经理", "归属销售", "跟进人", "销售负责人", "所属销售",
        "销售人员", "业务员", "归属人",
    ),
    "tags": ("标签", "客户标签"),
    "founded_on": ("成立时间", "成立日期", "注册时间", "注册日期"),
    "headcount": ("企业规模", "公司规模", "人员规模", "员工规模", "员工人数", "规模"),
    "main_products": ("主营产品", "主营业务", "主要产品", "经营范围"),
    "annual_revenue": ("年营业额(元)", "年营业额", "年营收", "营业额", "年销售额"),
    "first_cooperation_on": (
        "合作起始时间", "合作开始时间", "首次合作时间", "首次合作日期", "合作起始日期",
        "合作开始日期",
    ),
    "last_cooperation_on": ("最近合作时间", "最近合作日期", "最后合作时间", "最后合作日期"),
    "cooperation_products": ("合作产品/服务", "合作产品", "合作服务", "合作产品及服务"),
    "cumulative_amount": (
        "累计合作金额(元)", "累计合作金额", "累计金额", "合作金额", "累计成交金额",
    ),
    "order_summary": ("订单记录摘要", "订单记录", "订单摘要", "历史订单"),
    "contract_numbers": ("合同编号", "合同号"),
    "preferred_channel": ("沟通方式偏好", "沟通偏好", "偏好沟通方式", "联系方式偏好"),
    "service_preference": ("服务需求偏好", "服务偏好", "服务需求"),
    "focus": ("关注重点", "关注点", "客户关注点"),
    "flag_complaint": ("投诉", "是否投诉", "有无投诉", "投诉标记"),
    "flag_contract_expiring": ("合同到期", "合同即将到期", "是否合同到期"),
    "flag_churn_risk": ("流失风险", "是否有流失风险", "有流失风险"),
    "flag_to_verify": ("信息待核实", "待核实", "需核实"),
    "flag_long_inactive": ("长期无合作", "长期未合作"),
    "notes": ("备注", "说明", "备注信息", "其他"),
    "contact_name": ("联系人", "联系人姓名", "姓名(联系人)", "对接人", "姓名", "联系人名称"),
    "contact_title": ("职务", "职位", "联系人职务", "岗位", "头衔"),
    "contact_department": ("部门", "所在部门", "联系人部门"),
    "contact_phone": ("办公电话", "座机", "固定电话", "电话", "座机号码", "联系人座机"),
    "contact_mobile": (
        "手机", "手机号", "手机号码", "联系电话", "移动电话", "电话(手机)", "联系人手机",
        "联系人电话", "联系方式",
    ),
    "contact_email": ("邮箱", "电子邮箱", "邮件", "电子邮件", "邮箱地址", "email", "e-mail"),
    "contact_wechat": ("微信", "微信号", "联系人微信"),
    "contact_decision_role": ("决策链角色", "决策角色", "角色"),
    "contact_id_number": ("证件号码", "证件号", "身份证号", "身份证号码"),
    "contact_emergency_contact": ("紧急联系人",),
    "contact_emergency_phone": ("紧急联系人电话", "紧急联系电话", "紧急联系人手机"),
    "address_hq": (
        "总部地址", "地址", "公司地址", "企业地址", "注册地址", "办公地址", "详细地址", "通讯地址",
    ),
    "address_branch": ("分支机构地址", "分公司地址", "分部地址"),
}  # fmt: skip

RECORD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_number": ("客户编号", "客户编码", "客户代码", "客户号", "客户ID"),
    "customer_name": (
        "客户名称", "客户名称(全称)", "客户", "客户全称", "公司名称", "单位名称", "企业名称",
        "名称",
    ),
    "occurred_at": (
        "维护日期", "维护时间", "拜访日期", "拜访时间", "跟进日期", "跟进时间", "沟通日期",
        "沟通时间", "日期", "时间",
    ),
    "channel": ("维护方式", "跟进方式", "沟通方式", "拜访方式"),
    "maintainer": ("维护人", "跟进人", "拜访人", "记录人", "经办人"),
    "contact": ("联系人及职务", "联系人", "对接人", "沟通对象", "拜访对象"),
    "purpose": ("沟通目的", "目的", "拜访目的", "维护目的", "跟进目的"),
    "content": (
        "沟通核心内容", "维护内容", "跟进内容", "跟进事项", "沟通内容", "拜访内容", "核心内容",
        "沟通记录", "跟进情况", "内容",
    ),
    "feedback": ("客户反馈", "客户反馈与情绪", "反馈与情绪", "反馈", "反馈意见", "客户意见"),
    "sentiment": ("态度倾向", "态度", "客户态度"),
    "next_contact_on": (
        "下次沟通时间", "下次沟通日期", "下次跟进时间", "下次跟进日期", "下次联系时间",
        "下次联系日期", "下次拜访时间", "下次拜访日期",
    ),
    "next_channel": ("下次沟通方式", "下次跟进方式", "下次联系方式", "下次拜访方式"),
    "next_focus": ("重点方向", "下次重点", "下次沟通重点", "跟进重点"),
    "notes": ("备注", "说明", "备注信息"),
    "task_description": ("待办事项", "问题描述", "待办", "待办任务", "问题"),
    "task_owner": ("负责人", "处理人", "责任人", "待办负责人"),
    "task_due": ("完成时限", "截止日期", "截止时间", "完成期限", "到期日", "期限"),
    "task_result": ("跟进记录", "处理结果", "完成情况", "处理情况"),
}  # fmt: skip

_DEAL_CUSTOMER_NUMBER = ("客户编号", "客户编码", "客户代码", "客户号", "客户ID")
_DEAL_CUSTOMER_NAME = (
    "客户名称", "客户名称(全称)", "客户", "客户全称", "公司名称", "单位名称", "企业名称",
    "客户单位",
)  # fmt: skip

CONTRACT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_number": _DEAL_CUSTOMER_NUMBER,
    "customer_name": (
        *_DEAL_CUSTOMER_NAME, "签约客户", "签约单位", "签约方", "甲方", "甲方名称", "甲方单位",
        "合同甲方",
    ),
    "number": ("合同编号", "合同号", "合同编码", "合同代码", "合同ID"),
    "title": ("合同名称", "合同标题", "合同内容", "合同项目", "项目名称"),
    "amount": (
        "合同金额(元)", "合同金额", "合同额", "合同总额", "合同总金额", "合同总价", "签约金额",
        "金额",
    ),
    "signed_on": (
        "签订日期", "签约日期", "签订时间", "签约时间", "签署日期", "签署时间", "合同签订日期",
        "合同签订时间", "合同日期",
    ),
    "starts_on": (
        "开始日期", "合同开始日期", "开始时间", "起始日期", "起始时间", "生效日期", "合同生效日期",
        "生效时间",
    ),
    "ends_on": (
        "到期日期", "合同到期日期", "到期日", "合同到期日", "到期时间", "结束日期", "结束时间",
        "终止日期", "截止日期", "合同截止日期",
    ),
    "term": (
        "合同期限", "合同期", "合同有效期", "有效期", "服务期限", "合同周期", "期限", "起止日期",
        "起止时间", "合同起止日期",
    ),
    "contract_status": ("合同状态", "状态", "履行状态", "执行状态"),
    "notes": ("备注", "说明", "备注信息"),
}  # fmt: skip

ORDER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_number": _DEAL_CUSTOMER_NUMBER,
    "customer_name": (*_DEAL_CUSTOMER_NAME, "下单客户", "购买方", "采购方"),
    "number": ("订单编号", "订单号", "订单编码", "订单ID", "单号", "销售单号"),
    "ordered_on": (
        "订单日期", "下单日期", "下单时间", "订单时间", "订购日期", "成交日期", "销售日期", "日期",
    ),
    "amount": (
        "订单金额(元)", "订单金额", "订单总额", "订单总金额", "成交金额", "销售金额", "总金额",
        "金额",
    ),
    "summary": (
        "订单摘要", "订单内容", "订单说明", "订单记录摘要", "摘要", "内容", "产品", "产品名称",
        "产品/服务", "商品", "商品名称", "订购产品", "购买产品",
    ),
    "contract_number": ("合同编号", "合同号", "合同编码", "所属合同", "关联合同"),
}  # fmt: skip

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": CUSTOMER_SYNONYMS,
    "records": RECORD_SYNONYMS,
    "contracts": CONTRACT_SYNONYMS,
    "orders": ORDER_SYNONYMS,
}

_CHANNEL_SYNONYMS = {
    "电话沟通": "phone", "电话联系": "phone", "电话回访": "phone", "打电话": "phone",
    "上门拜访": "visit", "上门": "visit", "当面拜访": "visit", "现场拜访": "visit",
    "面谈": "visit", "走访": "visit",
    "邮箱": "email", "电子邮件": "email", "email": "email", "e-mail": "email", "电邮": "email",
    "线下会议": "meeting", "会面": "meeting", "开会": "meeting",
    "线上会议": "video", "视频会议": "video", "视频通话": "video", "腾讯会议": "video",
    "微信沟通": "wechat", "微信联系": "wechat", "企业微信": "wechat", "企微": "wechat",
}  # fmt: skip

CHOICE_SYNONYMS: dict[str, dict[str, str]] = {
    "kind": {
        "公司": "enterprise", "企业客户": "enterprise", "单位": "enterprise",
        "公司客户": "enterprise", "机构": "enterprise", "个人客户": "individual",
        "自然人": "individual", "个体": "individual",
    },
    "level": {
        "a类": "A", "a级": "A", "战略客户": "A", "战略": "A",
        "b类": "B", "b级": "B", "重点客户": "B", "重点": "B",
        "c类": "C", "c级": "C", "普通客户": "C", "普通": "C",
    },
    "stage": {
        "潜在": "potential", "意向": "intent", "成交客户": "cooperating", "成交": "cooperating",
        "已成交": "cooperating", "合作": "cooperating", "合作客户": "cooperating",
        "已合作": "cooperating", "老客户": "cooperating", "沉睡": "dormant", "休眠": "dormant",
        "休眠客户": "dormant", "流失": "lost", "已流失": "lost",
    },
    "status": {
        "需跟进": "to_follow", "跟进中": "to_follow", "升级": "needs_upgrade",
        "待升级": "needs_upgrade", "已流失": "lost",
    },
    "intent": {
        "高": "high", "强": "high", "中": "medium", "一般": "medium", "低": "low", "弱": "low",
    },
    "headcount": {
        "20人以下": "lt20", "20以下": "lt20", "少于20人": "lt20", "1-19人": "lt20",
        "20-99": "20_99", "20~99人": "20_99", "100-299": "100_299", "100~299人": "100_299",
        "300-999": "300_999", "300~999人": "300_999", "1000以上": "gte1000",
        "1000人及以上": "gte1000", "1000+": "gte1000",
    },
    "preferred_channel": _CHANNEL_SYNONYMS,
    "channel": _CHANNEL_SYNONYMS,
    "next_channel": _CHANNEL_SYNONYMS,
    "contact_decision_role": {
        "决策者": "decision_maker", "关键决策人": "decision_maker", "拍板人": "decision_maker",
        "影响人": "influencer", "使用人": "user", "用户": "user", "其它": "other",
    },
    "purpose": {
        "回访": "regular_visit", "定期拜访": "regular_visit", "问题处理": "issue_follow_up",
        "需求沟通": "needs_discovery", "需求调研": "needs_discovery",
        "节日关怀": "holiday_greeting", "节日祝福": "holiday_greeting", "投诉": "complaint",
        "其它": "other",
    },
    "contract_status": {
        "执行中": "active", "履约中": "active", "履行": "active", "生效": "active",
        "生效中": "active", "已生效": "active", "有效": "active", "进行中": "active",
        "已签订": "active", "已签约": "active", "正常": "active",
        "到期": "expired", "过期": "expired", "已过期": "expired", "期满": "expired",
        "已期满": "expired", "已完成": "expired", "履行完毕": "expired", "已履行完毕": "expired",
        "已结束": "expired",
        "终止": "terminated", "解除": "terminated", "已解除": "terminated", "作废": "terminated",
        "已作废": "terminated", "取消": "terminated", "已取消": "terminated",
        "未签订": "draft", "未签": "draft", "待签": "draft", "待签订": "draft", "待签约": "draft",
        "拟签": "draft", "草拟": "draft", "起草中": "draft", "审批中": "draft",
    },
    "sentiment": {
        "非常满意": "satisfied", "担心": "worried", "期望": "expectant", "中立": "neutral",
        "一般": "neutral", "不满意": "dissatisfied",
    },
}  # fmt: skip

_NO_EXTRA: Mapping[str, str] = MappingProxyType({})
_LOOKUP: dict[str, dict[str, str]] = {
    kind: {normalise_header(text): key for key, texts in synonyms.items() for text in texts}
    for kind, synonyms in SYNONYMS.items()
}


def _lookup(header: str, table: Mapping[str, str]) -> str | None:
    """The target of a normalised header; failing that, of the header without parentheses
    ("客户名称(请填全称)" → 客户名称), unless one names a 万/亿 unit."""
    if not header:
        return None
    if header in table:
        return table[header]
    if _SCALED_UNIT.search(header):
        return None
    bare = _PARENTHESES.sub("", header)
    return table.get(bare) if bare and bare != header else None


def suggest_mapping(
    headers: list[str], kind: str, extra: Mapping[str, str] = _NO_EXTRA
) -> dict[int, str]:
    """Column index → target key for the columns recognised, each target used at most once.

    `extra` (header text → target key: a remembered template's choices, custom-field labels
    as "custom:<key>") wins over the built-in synonyms; among columns the first one wins."""
    extra_table = {normalise_header(text): key for text, key in extra.items()}
    normalised = [normalise_header(header) for header in headers]
    mapping: dict[int, str] = {}
    for table in (extra_table, _LOOKUP[kind]):
        for index, header in enumerate(normalised):
            target = _lookup(header, table)
            if index not in mapping and target and target not in mapping.values():
                mapping[index] = target
    return dict(sorted(mapping.items()))


def score(headers: list[str], kind: str) -> int:
    """How many cells of a row are headers we recognise (the header row scores highest)."""
    table = _LOOKUP[kind]
    return sum(1 for header in headers if _lookup(normalise_header(header), table))
