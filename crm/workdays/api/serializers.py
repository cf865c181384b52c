"""Working-day API: query parameters and override bodies (Chinese messages on bad input)."""

from __future__ import annotations

import datetime
from typing import Any

from rest_framework import serializers

from crm.workdays.models import CalendarOverride
from crm.workdays.services import FIRST_DAY, LAST_DAY

MAX_DAYS = 1000
DATE_ERRORS: dict[str, Any] = {
    "invalid": "日期格式不正确,应为 YYYY-MM-DD",
    "required": "请提供日期(YYYY-MM-DD)",
    "null": "请提供日期(YYYY-MM-DD)",
}


def in_range(value: datetime.date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise serializers.ValidationError("日期须在 1900-01-01 至 2100-12-31 之间")


def day_field(help_text: str) -> serializers.DateField:
    return serializers.DateField(
        input_formats=["iso-8601"],
        validators=[in_range],
        error_messages=DATE_ERRORS,
        help_text=help_text,
    )


class AddQuerySerializer(serializers.Serializer):
    start = day_field("起始日期 YYYY-MM-DD(1900-2100)")
    days = serializers.IntegerField(
        min_value=-MAX_DAYS,
        max_value=MAX_DAYS,
        help_text="工作日天数,-1000 至 1000;0 表示起始日当天或其后第一个工作日",
        error_messages={
            "invalid": "天数须为整数",
            "required": "请提供天数 days",
            "null": "请提供天数 days",
            "min_value": f"天数不能小于 -{MAX_DAYS}",
            "max_value": f"天数不能大于 {MAX_DAYS}",
            "max_string_length": "天数过长",
        },
    )


class AddResultSerializer(serializers.Serializer):
    start = serializers.DateField()
    days = serializers.IntegerField()
    result = serializers.DateField()
    known_year = serializers.BooleanField(
        help_text="起始日与结果之间的每一年都有节假日安排(chinese-calendar 或管理员录入)"
    )


class BetweenQuerySerializer(serializers.Serializer):
    start = day_field("起始日期(不计入)YYYY-MM-DD")
    end = day_field("截止日期(计入)YYYY-MM-DD")


class BetweenResultSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    workdays = serializers.IntegerField(
        help_text="start 之后至 end(含)的工作日数;end 早于 start 时为负数"
    )


class OverrideSerializer(serializers.ModelSerializer):
    day = day_field("日期 YYYY-MM-DD")
    is_workday = serializers.BooleanField(
        help_text="true:当天上班(如调休补班);false:当天休息",
        error_messages={"invalid": "is_workday 须为 true 或 false", "required": "请说明是否上班"},
    )
    note = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        error_messages={"max_length": "说明最多 100 个字"},
    )
    updated_by_name = serializers.SerializerMethodField()

    class Meta:
        model = CalendarOverride
        fields = ["day", "is_workday", "note", "updated_by", "updated_by_name", "updated_at"]
        read_only_fields = ["updated_by", "updated_at"]

    def get_updated_by_name(self, obj: CalendarOverride) -> str:
        user = obj.updated_by
        return (user.get_full_name() or user.get_username()) if user else ""
