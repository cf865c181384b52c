from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL = "individual", _("个人")


class Level(models.TextChoices):
    A = "A", _("A类 战略客户")
    B = "B", _("B类 重点客户")
    C = "C", _("C类 普通客户")


class Stage(models.TextChoices):
    POTENTIAL = "potential", _("潜在客户")
    INTENT = "intent", _("意向客户")
    COOPERATING = "cooperating", _("合作中")
    DORMANT = "dormant", _("沉睡客户")
    LOST = "lost", _("流失客户")


class Status(models.TextChoices):
    NORMAL = "normal", _("正常")
    TO_FOLLOW = "to_follow", _("待跟进")
    NEEDS_UPGRADE = "needs_upgrade", _("需升级")
    LOST = "lost", _("流失")


class Intent(models.TextChoices):
    HIGH = "high", _("高意向")
    MEDIUM = "medium", _("中意向")
    LOW = "low", _("低意向")


class Headcount(models.TextChoices):
    MICRO = "lt20", _("20人以下")
    SMALL = "20_99", _("20-99人")
    MEDIUM = "100_299", _("100-299人")
    LARGE = "300_999", _("300-999人")
    XLARGE = "gte1000", _("1000人以上")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    VISIT = "visit", _("拜访")
    EMAIL = "email", _("邮件")
    MEETING = "meeting", _("会议")
    WECHAT = "wechat", _("微信")
    VIDEO = "video", _("视频")


class AddressKind(models.TextChoices):
    HQ = "hq", _("总部地址")
    BRANCH = "branch", _("分支机构地址")


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("文本")
    INTEGER = "integer", _("整数")
    DECIMAL = "decimal", _("小数")
    DATE = "date", _("日期")
    BOOLEAN = "boolean", _("是/否")
    CHOICE = "choice", _("单选")


class ClaimStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已拒绝")


FLAG_FIELDS = {
    "flag_complaint": "投诉",
    "flag_contract_expiring": "合同到期",
    "flag_churn_risk": "流失风险",
    "flag_to_verify": "信息待核实",
    "flag_long_inactive": "长期无合作",
}
