"""Text pools for record cards, to-dos and deals, built once per run from a seeded Random.

Real record cards say what was discussed in points, not "正常沟通": 2-5 sentences, 60-300
characters; feedback and notes are shorter. Pools are drawn from phrase lists with the small
demo's vocabulary (products, needs, focus) mixed in, so a card names what the customer buys.
Texts carry no tab, newline or backslash (rows go to PostgreSQL's COPY text format as is).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from crm.customers import demo_data

POOL = 4096

OPENERS = (
    "电话回访{who},确认{need}项目进展。",
    "上门拜访{who},现场演示{offer}。",
    "与{who}视频会议,讨论{need}方案细节。",
    "{who}主动来电咨询{offer}的报价。",
    "微信沟通{need}需求,{who}反馈内部已立项。",
    "节前问候{who},顺带了解明年{need}预算。",
    "跟进上次提出的{focus}问题,{who}表示基本解决。",
)
POINTS = (
    "客户关注{focus},希望我方提供同行业案例。",
    "对方预算约{money}万元,需在本季度内完成采购审批。",
    "决策链:{who}负责技术评估,总经理最终拍板。",
    "客户提出{focus}方面的顾虑,已承诺三个工作日内给出书面答复。",
    "竞品报价低约一成,客户希望我方在服务上体现差异。",
    "现有系统使用多年,数据迁移是客户最担心的环节。",
    "客户计划分两期实施,一期先上{offer}。",
    "财务部门要求分期付款,需与商务确认可行性。",
    "已发送产品资料与报价单,客户将在周会上讨论。",
    "客户对上次交付的{offer}整体满意,提出两点改进建议。",
    "需求关键词:{need}、{focus},需尽快安排技术交流。",
)
FEEDBACK = (
    "客户认可方案方向,希望价格再优惠一些。",
    "{who}表示需要内部评估后再答复。",
    "对售后响应速度比较满意。",
    "担心实施周期过长影响业务。",
    "期待尽快看到试用版本。",
    "暂无采购计划,保持联系。",
    "对上次的问题处理结果表示满意。",
    "提出希望增加培训场次。",
)
FOCUS_NEXT = ("报价确认", "方案演示", "合同条款", "技术交流", "试用反馈", "回款进度", "续约沟通")
NOTES = (
    "客户采购负责人近期有变动,需重新建立联系。",
    "竞品近期在该客户处有拜访记录。",
    "客户下月搬迁新办公地址。",
    "对方年底预算收紧。",
    "",
)
TASKS = (
    "整理{offer}报价单并发送给{who}",
    "安排技术人员与客户沟通{need}细节",
    "三个工作日内书面答复客户关于{focus}的疑问",
    "准备同行业成功案例资料",
    "确认合同付款条款",
    "预约下次上门演示时间",
)
RESULTS = (
    "已提供报价单,客户已确认",
    "已完成技术交流,客户无新增疑问",
    "已书面答复,客户表示认可",
    "案例资料已发送,客户反馈有参考价值",
)
CANCEL_REASONS = ("客户需求取消", "已合并到其他待办")
LOST_REASONS = ("价格高于竞品", "客户预算取消", "选择了竞品", "需求变化")
WHO = ("客户", "对方采购经理", "IT负责人", "总经理", "项目经理", "财务主管")


@dataclass(frozen=True)
class Pools:
    contents: tuple[str, ...]
    feedback: tuple[str, ...]
    tasks: tuple[str, ...]
    opportunity_names: tuple[str, ...]


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        who=rng.choice(WHO),
        need=rng.choice(demo_data.NEEDS),
        offer=rng.choice(demo_data.OFFERINGS),
        focus=rng.choice(demo_data.FOCUS),
        money=rng.randint(5, 300),
    )


def _content(rng: random.Random) -> str:
    points = rng.sample(POINTS, rng.randint(1, 4))
    return "".join(_fill(rng, t) for t in (rng.choice(OPENERS), *points))


def build(seed: int) -> Pools:
    rng = random.Random(f"{seed}:words")
    return Pools(
        contents=tuple(_content(rng) for _ in range(POOL)),
        feedback=tuple(_fill(rng, rng.choice(FEEDBACK)) for _ in range(POOL // 8)),
        tasks=tuple(_fill(rng, rng.choice(TASKS)) for _ in range(POOL // 8)),
        opportunity_names=tuple(
            f"{rng.choice(demo_data.NEEDS)}项目({rng.choice(demo_data.OFFERINGS)})"
            for _ in range(POOL // 16)
        ),
    )
