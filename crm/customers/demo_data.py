"""Deterministic Chinese demo data for `crm demo` (pure: no database access).

`build_roster(n)` gives the teams and users; it depends only on the customer count, so runs
with other seeds reuse the same accounts. `generate_customers(n, seed, roster)` yields the
customers from one `random.Random(seed)`: the same arguments always give the same data.
Industries, regions and sources are referred to by code or name; the command looks them up.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from itertools import accumulate
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from crm.accounts.choices import Role
from crm.contacts.choices import DecisionRole
from crm.core.pinyin import pinyin_keys
from crm.customers import reference
from crm.customers.choices import Channel, Headcount, Intent, Kind, Level, Stage, Status
from crm.customers.rules import normalise_name

ROSTER_SEED = 20260101
MAX_SALES_PER_TEAM = 12
SALES_SCALE = ((100_000, 12), (10_000, 8), (1_000, 5), (100, 4))
INDIVIDUAL_SHARE = 0.15
USCC_SHARE = 0.70
BRANCH_NAME_SHARE = 0.04
COLLABORATOR_SHARE = 0.20
DATE_FLOOR = datetime.date(2021, 1, 1)
DATE_CEILING = datetime.date(2026, 10, 31)

# --- people ---------------------------------------------------------------------------------

# Common surnames by frequency (weights fall with rank), then rarer and compound ones, some
# of which read differently as a surname (单 shan, 曾 zeng, 解 xie, 仇 qiu, 区 ou, 查 zha).
COMMON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶"
    "程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤"
)
RARE_SURNAMES = ("单", "解", "仇", "查", "翟", "区", "朴", "欧阳", "上官", "诸葛", "司马")
GIVEN_SINGLE = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚鹏辉华飞鑫波宇浩凯斌婷琳颖雪晨"
GIVEN_FIRST = "建志俊子欣梓家嘉晓文海振国雅思佳一明永宏立春丽秀玉晓天诗雨紫"
GIVEN_SECOND = "华平军峰辉强涛杰磊琳婷怡然轩涵萱宇博睿晨阳霞英兰芳洁婕敏慧颖"
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "155", "156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip
PUBLIC_MAIL = ("qq.com", "163.com", "126.com", "139.com", "sina.com", "foxmail.com")

# --- organisation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamSpec:
    name: str
    sales_region: str  # '' for the service department


SALES_TEAMS = (
    TeamSpec("华东销售一部", "华东"),
    TeamSpec("华南销售部", "华南"),
    TeamSpec("华北销售部", "华北"),
)
SERVICE_TEAM = TeamSpec("客户服务部", "")
# Sales regions without a team of their own go to the nearest one.
REGION_TEAM = {
    "华东": "华东销售一部", "华中": "华南销售部", "华南": "华南销售部", "西南": "华南销售部",
    "港澳台": "华南销售部", "华北": "华北销售部", "东北": "华北销售部", "西北": "华北销售部",
}  # fmt: skip


@dataclass(frozen=True)
class UserSpec:
    username: str
    full_name: str
    role: str
    team: str  # team name, '' for none
    mobile: str
    email: str


@dataclass(frozen=True)
class Roster:
    teams: tuple[TeamSpec, ...]
    users: tuple[UserSpec, ...]

    def members(self, team: str, roles: Sequence[str]) -> list[UserSpec]:
        return [u for u in self.users if u.team == team and u.role in roles]

    def manager_of(self, team: str) -> UserSpec | None:
        found = self.members(team, (Role.SALES_MANAGER,))
        return found[0] if found else None


# --- industries, words in names, products ---------------------------------------------------


@dataclass(frozen=True)
class IndustryWords:
    weight: float
    words: tuple[str, ...]  # the industry part of an enterprise name
    products: tuple[str, ...]


INDUSTRIES: dict[str, IndustryWords] = {
    "65": IndustryWords(
        9,
        ("科技", "信息技术", "软件", "数据科技", "智能科技"),
        ("ERP软件", "SaaS平台", "数据治理服务", "系统集成", "小程序开发"),
    ),
    "39": IndustryWords(
        6,
        ("电子", "电子科技", "通信技术", "光电科技", "半导体"),
        ("工业路由器", "智能终端", "PCB电路板", "传感器模组", "光模块"),
    ),
    "64": IndustryWords(
        3,
        ("网络科技", "互联网科技", "数字科技"),
        ("电商平台", "在线营销服务", "云服务", "直播运营"),
    ),
    "51": IndustryWords(
        4,
        ("贸易", "商贸", "供应链管理", "进出口"),
        ("电子元器件分销", "办公用品批发", "食品批发", "化工原料贸易"),
    ),
    "52": IndustryWords(
        3, ("商贸", "连锁超市", "百货", "零售"), ("连锁零售", "生鲜超市", "母婴用品", "便利店")
    ),
    "72": IndustryWords(
        4,
        ("企业管理咨询", "商务咨询", "人力资源", "会展服务", "广告"),
        ("管理咨询", "人力外包", "展会策划", "品牌营销"),
    ),
    "35": IndustryWords(
        3,
        ("智能装备", "机械设备", "医疗器械", "智能制造"),
        ("包装机械", "医用影像设备", "工业机器人", "检测设备"),
    ),
    "34": IndustryWords(
        2,
        ("机械", "精密机械", "自动化设备", "智能制造"),
        ("数控机床", "减速机", "气动元件", "自动化产线"),
    ),
    "38": IndustryWords(
        2,
        ("电气", "新能源科技", "电力设备", "储能科技"),
        ("储能系统", "光伏逆变器", "配电柜", "充电桩"),
    ),
    "36": IndustryWords(1.2, ("汽车零部件", "汽车科技"), ("汽车线束", "制动系统", "车载电子")),
    "27": IndustryWords(1.2, ("生物医药", "制药", "医药科技"), ("原料药", "仿制药", "诊断试剂")),
    "26": IndustryWords(1, ("化工", "新材料"), ("涂料", "胶粘剂", "电子化学品")),
    "29": IndustryWords(0.8, ("塑胶制品", "新材料"), ("注塑件", "改性塑料", "橡胶密封件")),
    "33": IndustryWords(0.8, ("五金制品", "金属制品"), ("五金配件", "不锈钢制品", "紧固件")),
    "14": IndustryWords(0.8, ("食品",), ("休闲食品", "调味品", "烘焙原料")),
    "18": IndustryWords(0.6, ("服饰", "服装"), ("品牌女装", "运动服饰", "工装定制")),
    "48": IndustryWords(1, ("建筑工程", "市政工程", "路桥工程"), ("市政道路", "桥梁施工")),
    "50": IndustryWords(0.8, ("装饰工程", "建筑装饰"), ("办公室装修", "幕墙工程")),
    "54": IndustryWords(0.8, ("物流", "运输"), ("整车运输", "城市配送", "冷链运输")),
    "58": IndustryWords(0.8, ("国际货运代理", "供应链", "物流"), ("国际货代", "报关报检")),
    "59": IndustryWords(0.5, ("仓储服务", "物流"), ("仓储管理", "云仓服务")),
    "62": IndustryWords(1, ("餐饮管理", "餐饮"), ("连锁餐饮", "团餐配送", "中央厨房")),
    "70": IndustryWords(0.8, ("置业", "物业服务", "房地产开发"), ("商业地产", "物业管理")),
    "74": IndustryWords(0.8, ("检测技术", "工程设计", "检验检测"), ("第三方检测", "工程设计")),
    "75": IndustryWords(0.8, ("生物科技", "环保科技", "科技"), ("技术转让", "环保技术服务")),
    "77": IndustryWords(0.5, ("环保工程", "环境科技"), ("污水处理", "固废处置")),
    "83": IndustryWords(0.6, ("教育科技", "培训"), ("职业培训", "在线课程")),
    "86": IndustryWords(0.4, ("文化传媒", "文化传播"), ("图书出版", "品牌内容")),
    "61": IndustryWords(0.4, ("酒店管理",), ("商务酒店", "精品民宿")),
    "71": IndustryWords(0.4, ("设备租赁", "汽车租赁"), ("工程机械租赁", "企业用车")),
}
LEGAL_FORMS = (("有限公司", 80), ("股份有限公司", 12), ("有限责任公司", 8))
BRANDS = (
    "腾飞", "华信", "中科", "远航", "恒通", "鼎盛", "瑞丰", "宏图", "嘉禾", "盛世", "博远", "天成",
    "新锐", "卓越", "金桥", "海纳", "云帆", "启明", "联创", "众合", "睿智", "星辰", "鸿运", "诚达",
    "和信", "通达", "佳禾", "明达", "凯瑞", "锦程", "尚品", "汇通", "致远", "智联", "德润", "安泰",
    "永盛", "华拓", "中联", "蓝海", "长风", "同创", "恒信", "万象", "华启", "普瑞", "天禾", "信诚",
)  # fmt: skip
BRAND_FIRST = "腾华中远恒鼎瑞宏嘉盛博天新卓金海云启联众睿星鸿诚和通佳明凯锦尚汇致智德安永创"
BRAND_SECOND = "飞信科航通盛丰图禾远成锐越桥纳帆明创合智辰运达瑞程品泰润鑫源宇威康邦捷业"

# --- regions --------------------------------------------------------------------------------

# Big cities (and districts of the municipalities), weighted; the rest of the city-level
# regions share REGION_TAIL_SHARE. Values: weight and district/road details for addresses.
CITIES: dict[str, tuple[float, tuple[str, ...]]] = {
    "310115": (4, ("张江路", "世纪大道", "碧波路", "祖冲之路")),  # 上海 浦东新区
    "310104": (2, ("漕溪北路", "宜山路", "虹漕路")),  # 上海 徐汇区
    "310112": (2, ("沪闵路", "七莘路", "紫竹科学园区东川路")),  # 上海 闵行区
    "310106": (1.5, ("南京西路", "延安中路")),  # 上海 静安区
    "310114": (1, ("博园路", "城北路")),  # 上海 嘉定区
    "330100": (6, ("西湖区文三路", "滨江区网商路", "余杭区文一西路", "上城区钱江路")),
    "320500": (5, ("工业园区星湖街", "工业园区金鸡湖大道", "高新区狮山路", "姑苏区人民路")),
    "320100": (4, ("鼓楼区中山北路", "江宁区双龙大道", "建邺区江东中路", "玄武区珠江路")),
    "330200": (3, ("鄞州区天童南路", "海曙区中山西路", "北仑区明州路")),
    "340100": (2.5, ("高新区望江西路", "蜀山区长江西路")),
    "370200": (2, ("市南区香港中路", "崂山区海尔路", "黄岛区长江中路")),
    "350200": (2, ("思明区软件园二期观日路", "湖里区湖里大道")),
    "320200": (2, ("新吴区长江路", "梁溪区中山路")),
    "440300": (
        9,
        (
            "南山区科技园科苑路",
            "南山区粤海街道高新南一道",
            "福田区深南大道",
            "宝安区新安街道创业一路",
            "龙岗区坂田街道雪岗路",
            "龙华区民治大道",
        ),
    ),
    "440100": (7, ("天河区天河路", "天河区珠江新城华夏路", "黄埔区科学大道", "海珠区新港东路")),
    "441900": (3, ("南城街道鸿福路", "松山湖园区新竹路", "长安镇振安中路")),
    "440600": (3, ("顺德区大良街道德和路", "南海区桂城街道海八路", "禅城区季华五路")),
    "440400": (1, ("香洲区情侣中路", "高新区唐家湾港湾大道")),
    "110108": (4, ("中关村大街", "上地十街", "西二旗中路")),  # 北京 海淀区
    "110105": (3.5, ("建国路", "望京街", "酒仙桥路")),  # 北京 朝阳区
    "110102": (1, ("金融大街",)),  # 北京 西城区
    "110115": (1, ("荣华中路", "科创十三街")),  # 北京 大兴区
    "120116": (1.5, ("第二大街", "响螺湾迎宾大道")),  # 天津 滨海新区
    "130100": (1.5, ("裕华区槐安东路", "长安区中山东路")),
    "510100": (3, ("高新区天府大道中段", "武侯区人民南路", "锦江区红星路")),
    "420100": (3, ("东湖新技术开发区光谷大道", "江汉区建设大道", "洪山区珞喻路")),
    "430100": (2, ("岳麓区麓谷大道", "天心区芙蓉中路")),
    "610100": (2, ("雁塔区高新路", "碑林区南大街")),
    "410100": (2, ("金水区花园路", "郑东新区商务外环路")),
    "500112": (1, ("金开大道",)),  # 重庆 渝北区
    "210200": (1, ("高新园区黄浦路", "中山区人民路")),
}
REGION_TAIL_SHARE = 0.15
GENERIC_ROADS = ("高新区科技路", "经济开发区创业大道", "人民路", "建设路", "中山路", "新华路")
BUILDINGS = ("科技大厦", "创业园", "国际中心", "产业园", "商务中心", "软件园", "金融广场")
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
AREA_CODES = {
    "4403": "0755", "4401": "020", "4419": "0769", "4406": "0757", "4404": "0756",
    "3301": "0571", "3201": "025", "3205": "0512", "3302": "0574", "3401": "0551",
    "3702": "0532", "3502": "0592", "3202": "0510", "1301": "0311", "5101": "028",
    "4201": "027", "4301": "0731", "6101": "029", "4101": "0371", "2102": "0411",
    "11": "010", "12": "022", "31": "021", "50": "023",
}  # fmt: skip

# --- the rest of a customer -----------------------------------------------------------------

SOURCES = (
    ("官网留言", 18),
    ("行业展会", 16),
    ("老客户转介绍", 20),
    ("线上推广", 14),
    ("渠道推荐", 14),
    ("电话咨询", 12),
    ("其他", 6),
)
HEADCOUNTS = (
    (Headcount.MICRO, 25),
    (Headcount.SMALL, 35),
    (Headcount.MEDIUM, 22),
    (Headcount.LARGE, 12),
    (Headcount.XLARGE, 6),
)
# Revenue range in 万元 per headcount band, and level weights (A, B, C) per band.
REVENUE_WAN = {
    Headcount.MICRO: (50, 800),
    Headcount.SMALL: (300, 5_000),
    Headcount.MEDIUM: (2_000, 30_000),
    Headcount.LARGE: (10_000, 100_000),
    Headcount.XLARGE: (50_000, 1_000_000),
}
LEVEL_WEIGHTS = {
    Headcount.MICRO: (3, 15, 82),
    Headcount.SMALL: (6, 22, 72),
    Headcount.MEDIUM: (12, 30, 58),
    Headcount.LARGE: (22, 35, 43),
    Headcount.XLARGE: (35, 35, 30),
    "": (4, 20, 76),
}
NEEDS = (
    "ERP升级",
    "数据迁移",
    "办公设备采购",
    "年度维保",
    "系统集成",
    "移动办公",
    "数据安全",
    "供应链协同",
    "财务数字化",
    "私有化部署",
    "培训服务",
    "定制开发",
)
INDIVIDUAL_NEEDS = ("家用净水器", "上门安装", "个人工作室软件", "小店收银系统", "分期付款")
OFFERINGS = ("企业版软件许可", "年度维保服务", "实施咨询", "定制开发", "硬件设备", "培训服务")
FOCUS = ("价格", "交付周期", "售后响应速度", "数据安全", "系统稳定性", "本地化服务", "品牌口碑")
SERVICE_PREFERENCES = ("工作日电话支持", "驻场服务", "远程协助", "季度回访", "专属客户经理")
TAGS = ("待回访", "高潜力", "价格敏感", "需要演示", "渠道客户", "政府补贴项目")
CHURN_REASONS = ("价格因素", "选择竞品", "需求变化", "预算取消", "服务不满意")
STAGE_REASONS: dict[str, tuple[str, ...]] = {
    Stage.INTENT: ("客户确认需求,进入商务沟通", "完成产品演示,客户有采购意向", "已提交报价方案"),
    Stage.COOPERATING: ("签订合同,开始合作", "首单回款到账", "完成招标,中标合作"),
    Stage.DORMANT: ("超过180天无业务往来", "客户项目暂停", "多次联系无回应"),
    Stage.LOST: ("客户明确不再合作", "合同到期未续约"),
}
# Share of customers ending in each stage; potential, intent and cooperating always appear.
STAGE_SHARES = (
    (Stage.POTENTIAL, 0.35),
    (Stage.INTENT, 0.25),
    (Stage.COOPERATING, 0.25),
    (Stage.DORMANT, 0.08),
    (Stage.LOST, 0.07),
)
MAIN_STAGES = (Stage.POTENTIAL, Stage.INTENT, Stage.COOPERATING)
INTENTS: dict[str, tuple[tuple[str, int], ...]] = {
    Stage.POTENTIAL: (("", 40), (Intent.LOW, 35), (Intent.MEDIUM, 25)),
    Stage.INTENT: ((Intent.HIGH, 30), (Intent.MEDIUM, 50), (Intent.LOW, 20)),
    Stage.COOPERATING: ((Intent.HIGH, 70), (Intent.MEDIUM, 30)),
    Stage.DORMANT: ((Intent.MEDIUM, 40), (Intent.LOW, 60)),
    Stage.LOST: (("", 50), (Intent.LOW, 50)),
}
STATUSES = ((Status.NORMAL, 80), (Status.TO_FOLLOW, 12), (Status.NEEDS_UPGRADE, 8))
LEAD_TITLES = (
    ("总经理", "总经办", DecisionRole.DECISION_MAKER),
    ("董事长", "总经办", DecisionRole.DECISION_MAKER),
    ("采购总监", "采购部", DecisionRole.DECISION_MAKER),
    ("IT总监", "信息部", DecisionRole.DECISION_MAKER),
    ("运营总监", "运营部", DecisionRole.INFLUENCER),
)
OTHER_TITLES = (
    ("采购经理", "采购部", DecisionRole.INFLUENCER),
    ("IT经理", "信息部", DecisionRole.INFLUENCER),
    ("财务主管", "财务部", DecisionRole.INFLUENCER),
    ("行政主管", "行政部", DecisionRole.USER),
    ("项目经理", "项目部", DecisionRole.USER),
    ("技术负责人", "技术部", DecisionRole.INFLUENCER),
    ("采购专员", "采购部", DecisionRole.OTHER),
)
CONCERNS = ("价格", "售后响应", "数据安全", "实施周期", "易用性", "付款方式")


@dataclass(frozen=True)
class CustomerSpec:
    """One customer for `services.create_customer`; FKs as codes/names, owner as username."""

    name: str
    kind: str
    region: str  # region code
    profile: dict[str, Any]  # other editable fields, ready for the service
    contacts: tuple[dict[str, Any], ...]
    uscc: str = ""
    industry: str = ""  # division code
    addresses: tuple[dict[str, Any], ...] = ()  # "region" holds a region code
    # set when the customer is finished (see _Finisher)
    source: str = ""  # source name
    owner: str = ""  # username
    tags: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()  # change_stage steps after creation
    stage_reasons: tuple[str, ...] = ()  # the reason given for each step
    churn_reason: str = ""
    collaborator: str = ""  # username


# --- small helpers --------------------------------------------------------------------------


def _pick(rng: random.Random, weighted: Iterable[tuple[Any, float]]) -> Any:
    weighted = list(weighted)
    values = [value for value, _ in weighted]
    return rng.choices(values, weights=[weight for _, weight in weighted])[0]


def _date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + _digits(rng, 8)


_SURNAME_CUM_WEIGHTS = list(accumulate(1 / (rank + 4) for rank in range(len(COMMON_SURNAMES))))


def person_name(rng: random.Random) -> tuple[str, str]:
    """(surname, given name), common surnames far more likely than rare ones."""
    if rng.random() < 0.04:
        surname = rng.choice(RARE_SURNAMES)
    else:
        surname = rng.choices(COMMON_SURNAMES, cum_weights=_SURNAME_CUM_WEIGHTS)[0]
    if rng.random() < 0.35:
        return surname, rng.choice(GIVEN_SINGLE)
    return surname, rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)


def name_pinyin(surname: str, given: str) -> tuple[str, str]:
    """Pinyin of surname (with its surname reading) and given name: ('shan', 'xiaoming')."""
    return pinyin_keys(surname, person=True)[0], pinyin_keys(given)[0]


def _email_local(rng: random.Random, surname: str, given: str) -> str:
    family, personal = name_pinyin(surname, given)
    forms = (f"{family}.{personal}", f"{family}{personal}", f"{personal}.{family}")
    return rng.choice(forms)


# --- roster ---------------------------------------------------------------------------------


def sales_per_team(customers: int) -> int:
    for threshold, count in SALES_SCALE:
        if customers >= threshold:
            return count
    return 3


class _NameBook:
    """Unique person names and pinyin usernames (zhang.wei, then zhang.wei2)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.full_names: set[str] = set()
        self.usernames: set[str] = set()

    def person(self) -> tuple[str, str]:
        surname, given = person_name(self.rng)
        while surname + given in self.full_names:
            surname, given = person_name(self.rng)
        self.full_names.add(surname + given)
        family, personal = name_pinyin(surname, given)
        base = username = f"{family}.{personal}"
        suffix = 1
        while username in self.usernames:
            suffix += 1
            username = f"{base}{suffix}"
        self.usernames.add(username)
        return surname + given, username


def _user(book: _NameBook, role: str, team: str) -> UserSpec:
    full_name, username = book.person()
    return UserSpec(
        username=username,
        full_name=full_name,
        role=role,
        team=team,
        mobile=mobile(book.rng),
        email=f"{username}@example.com",
    )


def build_roster(customers: int) -> Roster:
    """Teams and users; a larger count only adds sales people (earlier ones stay the same)."""
    book = _NameBook(random.Random(ROSTER_SEED))
    keep = sales_per_team(customers)
    users: list[UserSpec] = []
    for team in SALES_TEAMS:
        users.append(_user(book, Role.SALES_MANAGER, team.name))
        pool = [_user(book, Role.SALES, team.name) for _ in range(MAX_SALES_PER_TEAM)]
        users.extend(pool[:keep])
    for role in (Role.SERVICE, Role.SERVICE, Role.CUSTOMER_SUCCESS, Role.CUSTOMER_SUCCESS):
        users.append(_user(book, role, SERVICE_TEAM.name))
    users.append(_user(book, Role.ADMIN, ""))
    return Roster(teams=(*SALES_TEAMS, SERVICE_TEAM), users=tuple(users))


# --- regions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str  # for names: '深圳市', or the municipality '上海市' for its districts
    sales_region: str


@cache
def regions() -> dict[str, RegionInfo]:
    """City-level regions from the shipped GB/T 2260 table (read once)."""
    rows = list(reference.read_rows("regions.csv"))
    provinces = {row["code"]: row for row in rows if row["level"] == "province"}
    found: dict[str, RegionInfo] = {}
    for row in rows:
        if row["level"] != "city":
            continue
        province = provinces[row["parent"]]
        name = province["name"] if province["code"] in MUNICIPALITIES else row["name"]
        found[row["code"]] = RegionInfo(row["code"], name, province["sales_region"])
    return found


@cache
def _region_table() -> tuple[list[str], list[float]]:
    codes = sorted(regions())
    big = sum(weight for weight, _ in CITIES.values())
    tail = big * REGION_TAIL_SHARE / (1 - REGION_TAIL_SHARE) / len(codes)
    weights = [CITIES[code][0] + tail if code in CITIES else tail for code in codes]
    return codes, list(accumulate(weights))


def pick_region(rng: random.Random) -> str:
    codes, cum_weights = _region_table()
    return rng.choices(codes, cum_weights=cum_weights)[0]


def city_short(code: str) -> str:
    name = regions()[code].name
    return name.removesuffix("市") if name.endswith("市") and len(name) > 2 else name


def address_detail(rng: random.Random, code: str) -> str:
    roads = CITIES[code][1] if code in CITIES else GENERIC_ROADS
    detail = f"{rng.choice(roads)}{rng.randint(1, 399)}号"
    if rng.random() < 0.5:
        floor = rng.randint(2, 28)
        detail += f"{rng.choice(BUILDINGS)}{rng.choice('ABC')}座{floor}{rng.randint(1, 20):02d}室"
    return detail


def landline(rng: random.Random, code: str) -> str:
    area = AREA_CODES.get(code[:4]) or AREA_CODES.get(code[:2])
    if area is None:
        return ""
    return f"{area}-{rng.choice('2345678')}{_digits(rng, 7)}"


# --- enterprise names and USCC --------------------------------------------------------------


def brand(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(BRANDS)
    return rng.choice(BRAND_FIRST) + rng.choice(BRAND_SECOND)


def enterprise_name(rng: random.Random, region: str, industry: str) -> tuple[str, str]:
    """('深圳市腾飞科技有限公司', '腾飞科技'); sometimes '腾飞(深圳)科技有限公司'."""
    word = rng.choice(INDUSTRIES[industry].words)
    form = _pick(rng, LEGAL_FORMS)
    short = brand(rng) + word
    if rng.random() < 0.06:
        return f"{short[: -len(word)]}({city_short(region)}){word}{form}", short
    prefix = regions()[region].name if rng.random() < 0.55 else city_short(region)
    return f"{prefix}{short}{form}", short


def _organisation_code(rng: random.Random) -> str:
    """A GB 11714 organisation code: 8 characters and their check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = (
        "MA" + "".join(rng.choice(alphabet) for _ in range(6))
        if rng.random() < 0.6
        else _digits(rng, 8)
    )
    values = [int(ch, 36) for ch in body]
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, region: str) -> str:
    """A valid 统一社会信用代码 of an enterprise (91) registered in the region."""
    body = "91" + region + _organisation_code(rng)
    return body + stdnum_uscc.calc_check_digit(body)


def _domain(rng: random.Random, name: str) -> str:
    """A company-ish mail domain from the short name: 'tengfeikeji.com', 'tfkj-tech.com.cn'."""
    full, initials = pinyin_keys(name)
    letters = (full if len(full) <= 14 else initials) or "corp"
    suffix = rng.choice(("", "-tech", "group", "china"))
    return f"{letters}{suffix}.{rng.choice(('com', 'com.cn', 'cn'))}"


def renamed(spec: CustomerSpec, rng: random.Random) -> CustomerSpec:
    """Another name (and USCC, mobiles) when the name is taken in the database.

    A second run with the same seed draws the same customers; this keeps the copies apart.
    """
    contacts = tuple({**c, "mobile": mobile(rng)} for c in spec.contacts)
    if spec.kind == Kind.INDIVIDUAL:
        name = "".join(person_name(rng))
        contacts = tuple({**c, "name": name} if i == 0 else c for i, c in enumerate(contacts))
        return replace(spec, name=name, contacts=contacts)
    industry = spec.industry if spec.industry in INDUSTRIES else "65"
    name, short = enterprise_name(rng, spec.region, industry)
    profile = (
        {**spec.profile, "short_name": short} if spec.profile.get("short_name") else (spec.profile)
    )
    uscc = make_uscc(rng, spec.region) if spec.uscc else ""
    return replace(spec, name=name, uscc=uscc, profile=profile, contacts=contacts)


# --- customers ------------------------------------------------------------------------------


def stage_targets(count: int, rng: random.Random) -> list[str]:
    """Final stage per customer, by quota; potential, intent and cooperating always occur."""
    targets: list[str]
    if count <= len(MAIN_STAGES):
        targets = list(MAIN_STAGES[:count])
    else:
        sizes = {
            stage: max(int(stage in MAIN_STAGES), int(count * share))
            for stage, share in STAGE_SHARES
        }
        sizes[Stage.POTENTIAL] += count - sum(sizes.values())
        targets = [stage for stage, size in sizes.items() for _ in range(size)]
    rng.shuffle(targets)
    return targets


def stage_path(rng: random.Random, target: str) -> tuple[str, ...]:
    if target == Stage.DORMANT:
        return (Stage.INTENT, Stage.COOPERATING, target) if rng.random() < 0.7 else (target,)
    if target == Stage.LOST:
        return (
            (Stage.INTENT, target)
            if rng.random() < 0.5
            else (Stage.INTENT, Stage.COOPERATING, target)
        )
    paths: dict[str, tuple[str, ...]] = {
        Stage.POTENTIAL: (),
        Stage.INTENT: (Stage.INTENT,),
        Stage.COOPERATING: (Stage.INTENT, Stage.COOPERATING),
    }
    return paths[target]


def stage_reason(rng: random.Random, stage: str) -> str:
    return rng.choice(STAGE_REASONS[stage])


class _CustomerFactory:
    """Draws customers one by one from a single Random; remembers names to keep them unique."""

    def __init__(self, count: int, seed: int, roster: Roster) -> None:
        self.rng = random.Random(seed)
        self.roster = roster
        self.targets = stage_targets(count, self.rng)
        self.name_keys: set[str] = set()
        self.usccs: set[str] = set()
        self.industry_codes = list(INDUSTRIES)
        self.industry_weights = [INDUSTRIES[c].weight for c in self.industry_codes]

    def build(self, index: int) -> CustomerSpec:
        region = pick_region(self.rng)
        if self.rng.random() < INDIVIDUAL_SHARE:
            spec = self._individual(region)
        else:
            spec = self._enterprise(region)
        return _Finisher(self.rng, self.roster).finish(spec, self.targets[index])

    def _individual(self, region: str) -> CustomerSpec:
        rng = self.rng
        surname, given = person_name(rng)
        contact = {
            "name": surname + given,
            "mobile": mobile(rng),
            "decision_role": DecisionRole.DECISION_MAKER,
            "is_primary": True,
            "email": f"{_email_local(rng, surname, given)}@{rng.choice(PUBLIC_MAIL)}",
        }
        profile = {
            "need_keywords": "、".join(rng.sample(INDIVIDUAL_NEEDS, 2)),
            "preferred_channel": rng.choice((Channel.WECHAT, Channel.PHONE)),
        }
        return CustomerSpec(
            name=surname + given,
            kind=Kind.INDIVIDUAL,
            region=region,
            profile=profile,
            contacts=(contact,),
        )

    def _enterprise(self, region: str) -> CustomerSpec:
        rng = self.rng
        industry = rng.choices(self.industry_codes, weights=self.industry_weights)[0]
        name, short = self._unique_name(region, industry)
        uscc = self._uscc(region) if rng.random() < USCC_SHARE else ""
        profile = self._enterprise_profile(industry, uscc)
        profile["short_name"] = short if rng.random() < 0.6 else ""
        return CustomerSpec(
            name=name,
            kind=Kind.ENTERPRISE,
            region=region,
            profile=profile,
            contacts=self._contacts(short, region),
            uscc=uscc,
            industry=industry,
            addresses=self._addresses(region),
        )

    def _draw_name(self, region: str, industry: str) -> tuple[str, str]:
        """A name registered in the region, or a branch there of a company from elsewhere."""
        if self.rng.random() >= BRANCH_NAME_SHARE:
            return enterprise_name(self.rng, region, industry)
        name, short = enterprise_name(self.rng, pick_region(self.rng), industry)
        return f"{name}{city_short(region)}分公司", short

    def _claim(self, name: str) -> bool:
        key = normalise_name(name)
        if key in self.name_keys:
            return False
        self.name_keys.add(key)
        return True

    def _unique_name(self, region: str, industry: str) -> tuple[str, str]:
        for _ in range(200):
            name, short = self._draw_name(region, industry)
            if self._claim(name):
                return name, short
        number = len(self.name_keys)
        while not self._claim(f"{city_short(region)}{short}{number}号有限公司"):
            number += 1
        return f"{city_short(region)}{short}{number}号有限公司", short

    def _uscc(self, region: str) -> str:
        code = make_uscc(self.rng, region)
        while code in self.usccs:
            code = make_uscc(self.rng, region)
        self.usccs.add(code)
        return code

    def _enterprise_profile(self, industry: str, uscc: str) -> dict[str, Any]:
        rng = self.rng
        headcount = _pick(rng, HEADCOUNTS)
        low, high = REVENUE_WAN[headcount]
        products = INDUSTRIES[industry].products
        return {
            "headcount": headcount,
            "founded_on": _date(rng, datetime.date(1993, 1, 1), datetime.date(2024, 12, 31)),
            "annual_revenue": Decimal(rng.randint(low, high) * 10_000).quantize(Decimal("0.01")),
            "main_products": "、".join(rng.sample(products, min(2, len(products)))),
            "need_keywords": "、".join(rng.sample(NEEDS, rng.randint(1, 3))),
            "preferred_channel": rng.choice(Channel.values),
            "service_preference": rng.choice(SERVICE_PREFERENCES),
            "focus": "、".join(rng.sample(FOCUS, 2)),
            "flag_to_verify": not uscc and rng.random() < 0.5,
        }

    def _contacts(self, short: str, region: str) -> tuple[dict[str, Any], ...]:
        rng = self.rng
        domain = _domain(rng, short)
        count = _pick(rng, ((1, 40), (2, 40), (3, 20)))
        titles = [rng.choice(LEAD_TITLES), *rng.sample(OTHER_TITLES, count - 1)]
        return tuple(
            self._contact(domain, region, title, index == 0) for index, title in enumerate(titles)
        )

    def _contact(
        self, domain: str, region: str, title: tuple[str, str, str], primary: bool
    ) -> dict[str, Any]:
        rng = self.rng
        surname, given = person_name(rng)
        contact = {
            "name": surname + given,
            "title": title[0],
            "department": title[1],
            "decision_role": title[2],
            "is_primary": primary,
            "mobile": mobile(rng),
            "email": f"{_email_local(rng, surname, given)}@{domain}",
            "concerns": rng.choice(CONCERNS),
        }
        if rng.random() < 0.4 and (phone := landline(rng, region)):
            contact["phone"] = phone
        if rng.random() < 0.3:
            contact["wechat"] = "wx_" + "".join(name_pinyin(surname, given))
        return contact

    def _addresses(self, region: str) -> tuple[dict[str, Any], ...]:
        rng = self.rng
        addresses = [{"kind": "hq", "region": region, "detail": address_detail(rng, region)}]
        branch = pick_region(rng) if rng.random() < 0.15 else region
        if branch != region:
            addresses.append(
                {
                    "kind": "branch",
                    "label": f"{city_short(branch)}分公司",
                    "region": branch,
                    "detail": address_detail(rng, branch),
                }
            )
        return tuple(addresses)


class _Finisher:
    """Owner, source, level, stage path and the rest that depend on the final stage."""

    def __init__(self, rng: random.Random, roster: Roster) -> None:
        self.rng = rng
        self.roster = roster

    def finish(self, spec: CustomerSpec, target: str) -> CustomerSpec:
        rng = self.rng
        stages = stage_path(rng, target)
        owner = self._owner(spec.region, target)
        profile = {**spec.profile, **self._state(spec, target, stages)}
        source = _pick(rng, SOURCES)
        return replace(
            spec,
            source=source,
            owner=owner.username,
            profile=profile,
            stages=stages,
            stage_reasons=tuple(stage_reason(rng, stage) for stage in stages),
            tags=self._tags(spec, profile, source, stages),
            churn_reason=rng.choice(CHURN_REASONS) if target == Stage.LOST else "",
            collaborator=self._collaborator(owner) if rng.random() < COLLABORATOR_SHARE else "",
        )

    def _state(self, spec: CustomerSpec, target: str, stages: tuple[str, ...]) -> dict[str, Any]:
        rng = self.rng
        level = _pick(
            rng, zip(Level.values, LEVEL_WEIGHTS[spec.profile.get("headcount", "")], strict=True)
        )
        state: dict[str, Any] = {
            "intent": _pick(rng, INTENTS[target]),
            "status": _pick(rng, STATUSES),
        }
        if level != Level.C:  # C is the default; only A and B are set by hand
            state["level"] = level
        if Stage.COOPERATING in stages:
            state.update(self._cooperation(target))
        if target == Stage.DORMANT:
            state["flag_long_inactive"] = rng.random() < 0.6
            state["flag_churn_risk"] = rng.random() < 0.3
        state["flag_complaint"] = rng.random() < 0.03
        return state

    def _cooperation(self, target: str) -> dict[str, Any]:
        rng = self.rng
        first = _date(rng, DATE_FLOOR, datetime.date(2026, 3, 31))
        return {
            "first_cooperation_on": first,
            "last_cooperation_on": _date(rng, first, DATE_CEILING),
            "cooperation_products": "、".join(rng.sample(OFFERINGS, rng.randint(1, 3))),
            "flag_contract_expiring": target == Stage.COOPERATING and rng.random() < 0.1,
        }

    def _owner(self, region: str, target: str) -> UserSpec:
        rng = self.rng
        success = (Role.CUSTOMER_SUCCESS,)
        if target in (Stage.COOPERATING, Stage.DORMANT) and rng.random() < 0.15:
            pool = self.roster.members(SERVICE_TEAM.name, success)
        else:
            team = REGION_TEAM.get(regions()[region].sales_region, SALES_TEAMS[0].name)
            if rng.random() >= 0.8:
                team = rng.choice(SALES_TEAMS).name
            # sales people first, the manager last: the manager holds fewer customers
            pool = [
                *self.roster.members(team, (Role.SALES,)),
                *self.roster.members(team, (Role.SALES_MANAGER,)),
            ]
        # A few people hold more customers: weights fall with position in the pool.
        return rng.choices(pool, weights=[1 / (i + 1) ** 0.8 for i in range(len(pool))])[0]

    def _collaborator(self, owner: UserSpec) -> str:
        roles = (Role.SALES, Role.SALES_MANAGER, Role.CUSTOMER_SUCCESS)
        mates = [u for u in self.roster.members(owner.team, roles) if u != owner]
        return self.rng.choice(mates).username if mates else ""

    def _tags(
        self, spec: CustomerSpec, profile: dict[str, Any], source: str, stages: tuple[str, ...]
    ) -> tuple[str, ...]:
        rng = self.rng
        tags = list(rng.sample(TAGS, _pick(rng, ((0, 45), (1, 40), (2, 15)))))
        if profile.get("level") == Level.A:
            tags.insert(0, "重点客户")
        if regions()[spec.region].sales_region == "华东" and rng.random() < 0.5:
            tags.append("华东区域")
        if source == "行业展会" and rng.random() < 0.6:
            tags.append("展会线索")
        if Stage.COOPERATING in stages and rng.random() < 0.3:
            tags.append("老客户")
        return tuple(tags)


def generate_customers(count: int, seed: int, roster: Roster) -> Iterator[CustomerSpec]:
    """The customers for `crm demo`, one at a time; same arguments, same customers."""
    factory = _CustomerFactory(count, seed, roster)
    for index in range(count):
        yield factory.build(index)
