"""The shipped pipelines: the standard five-stage pipeline (DOMAIN §5) and its medical and
finance variants, whose won stage needs 客户资质审核 and 合规性检查 passed first (seed 002:
特殊行业客户(如医疗、金融),需结合行业规范补充流程节点). Loaded by migration 0002 and, after a
test flushed the tables, by crm.core.testing."""

from __future__ import annotations

from typing import Any

STAGES = [
    ("needs_analysis", "需求分析", "open", 10),
    ("solution", "方案制定", "open", 30),
    ("quotation", "报价", "open", 50),
    ("negotiation", "商务谈判", "open", 70),
    ("won", "赢单", "won", 100),
    ("lost", "输单", "lost", 0),
]
GATES = [
    ("qualification", "客户资质审核", "核对营业执照、行业许可证等资质文件"),
    ("compliance", "合规性检查", "按行业监管要求完成合规审查"),
]
PIPELINES = [
    ("标准销售流程", [], True, False),
    ("医疗行业销售流程", ["84", "27"], False, True),
    ("金融行业销售流程", ["J"], False, True),
]


def load(Pipeline: Any, Stage: Any, Gate: Any) -> None:
    for position, (name, industries, default, gated) in enumerate(PIPELINES):
        pipeline = Pipeline.objects.create(
            name=name, industries=industries, is_default=default, position=position
        )
        for order, (code, label, kind, probability) in enumerate(STAGES):
            stage = Stage.objects.create(
                pipeline=pipeline,
                code=code,
                name=label,
                kind=kind,
                position=order,
                probability=probability,
            )
            if gated and kind == "won":
                for gate_code, gate_name, description in GATES:
                    Gate.objects.create(
                        stage=stage, code=gate_code, name=gate_name, description=description
                    )
