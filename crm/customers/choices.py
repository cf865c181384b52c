from django.db import models


class Kind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    INDIVIDUAL = "individual", "个人"


class Level(models.TextChoices):
    A = "A", "A类 战略客户"
    B = "B", "B类 重点客户"
    C = "C", "C类 普通客户"


class Stage(models.TextChoices):
    POTENTIAL = "potential", "潜在客户"
    INTENT = "intent", "意向客户"
    COOPERATING = "cooperating", "合作中"
    DORMANT = "dormant", "沉睡客户"
    LOST = "lost", "流失客户"


class Status(models.TextChoices):
    NORMAL = "normal", "正常"
    TO_FOLLOW = "to_follow", "待跟进"
    NEEDS_UPGRADE = "needs_upgrade", "需升级"
    LOST = "lost", "流失"


class Intent(models.TextChoices):
    HIGH = "high", "高意向"
    MEDIUM = "medium", "中意向"
    LOW = "low", "低意向"


class Headcount(models.TextChoices):
    MICRO = "lt20", "20人以下"
    SMALL = "20_99", "20-99人"
    MEDIUM = "100_299", "100-299人"
    LARGE = "300_999", "300-999人"
    XLARGE = "gte1000", "1000人以上"


class Channel(models.TextChoices):
    PHONE = "phone", "电话"
    VISIT = "visit", "拜访"
    EMAIL = "email", "邮件"
    MEETING = "meeting", "会议"
    WECHAT = "wechat", "微信"
    VIDEO = "video", "视频"


class AddressKind(models.TextChoices):
    HQ = "hq", "总部地址"
    BRANCH = "branch", "分支机构地址"


class CustomFieldType(models.TextChoices):
    TEXT = "text", "文本"
    INTEGER = "integer", "整数"
    DECIMAL = "decimal", "小数"
    DATE = "date", "日期"
    BOOLEAN = "boolean", "是/否"
    CHOICE = "choice", "单选"


class ClaimStatus(models.TextChoices):
    OPEN = "open", "待处理"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "已拒绝"


FLAG_FIELDS = {
    "flag_complaint": "投诉",
    "flag_contract_expiring": "合同到期",
    "flag_churn_risk": "流失风险",
    "flag_to_verify": "信息待核实",
    "flag_long_inactive": "长期无合作",
}
