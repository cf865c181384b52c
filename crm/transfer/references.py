"""Reference lookups of an import, loaded once per job: industries, sources, regions, users.

People type 信息技术, I65, 65 or 软件和信息技术服务业 for an industry; 北京, 北京市海淀区 or 110108
for a region; a username or a full name for an owner. Each lookup answers the row or raises
ValueError with what was not found and what would be (Chinese).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from crm.accounts.models import User
from crm.customers.models import CustomFieldDefinition, Industry, Region, Source

REGION_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "地区",
    "省",
    "市",
    "盟",
    "区",
    "县",
)


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _short_region(name: str) -> str:
    for suffix in REGION_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass
class References:
    industries: dict[str, Industry] = field(default_factory=dict)  # code and name keys
    divisions: list[Industry] = field(default_factory=list)
    sections: list[Industry] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    source_names: list[str] = field(default_factory=list)
    regions: dict[str, Region] = field(default_factory=dict)  # code
    provinces: list[tuple[str, Region]] = field(default_factory=list)  # (name form, region)
    cities: list[tuple[str, Region]] = field(default_factory=list)  # 深圳 without 广东
    children: dict[str, list[tuple[str, Region]]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)  # username and full-name keys
    definitions: list[CustomFieldDefinition] = field(default_factory=list)

    @classmethod
    def load(cls) -> References:
        refs = cls()
        for industry in Industry.objects.select_related("parent"):
            refs.industries[_key(industry.code)] = industry
            refs.industries.setdefault(_key(industry.name), industry)
            (refs.divisions if industry.parent_id else refs.sections).append(industry)
            if industry.parent_id and industry.parent:
                refs.industries.setdefault(_key(industry.parent.code + industry.code), industry)
        for source in Source.objects.filter(is_active=True).order_by("position", "pk"):
            refs.sources[_key(source.name)] = source
            refs.source_names.append(source.name)
        for region in Region.objects.select_related("parent"):
            refs.regions[region.code] = region
            forms = [(region.name, region), (_short_region(region.name), region)]
            if region.parent_id:
                refs.children.setdefault(region.parent_id, []).extend(forms)
            else:
                refs.provinces.extend(forms)
        # longest name forms first, so 内蒙古自治区 wins over 内蒙古
        refs.provinces.sort(key=lambda pair: -len(pair[0]))
        for forms in refs.children.values():
            forms.sort(key=lambda pair: -len(pair[0]))
            refs.cities.extend(forms)
        refs.cities.sort(key=lambda pair: -len(pair[0]))
        for user in User.objects.filter(is_active=True):
            refs.users[_key(user.username)] = user
            full = user.get_full_name()
            if full:
                refs.users.setdefault(_key(full), user)
        refs.definitions = list(CustomFieldDefinition.objects.filter(is_active=True))
        return refs

    def industry(self, text: str) -> Industry:
        key = _key(text)
        if key in self.industries:
            return self.industries[key]
        for pool in (self.divisions, self.sections):
            found = [i for i in pool if key in _key(i.name)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                names = "、".join(f"{i.code} {i.name}" for i in found[:4])
                raise ValueError(f"所属行业“{text}”不明确,可能是: {names}")
        raise ValueError(f"所属行业“{text}”不在国民经济行业分类(GB/T 4754)中,请填写行业名称或代码")

    def source(self, text: str) -> Source:
        found = self.sources.get(_key(text))
        if found is None:
            options = "、".join(self.source_names)
            raise ValueError(f"客户来源“{text}”不在来源列表中,可选: {options}")
        return found

    def region_prefix(self, text: str) -> tuple[Region | None, str]:
        """The deepest region named at the start of `text`, and the rest of the text."""
        rest = text.strip()
        found = _match(self.provinces, rest) or _match(self.cities, rest)
        while found is not None:
            region, rest = found
            deeper = _match(self.children.get(region.code, []), rest)
            if deeper is None:
                return region, rest
            found = deeper
        return None, rest

    def region(self, text: str) -> Region:
        value = text.strip()
        if value in self.regions:
            return self.regions[value]
        found, rest = self.region_prefix(value)
        if found is None or rest.strip(" ,，、/-"):
            raise ValueError(f"区域“{text}”无法识别,请填写省市名称(如 广东省深圳市)或行政区划代码")
        return found

    def user(self, text: str, what: str = "主责人") -> User:
        found = self.users.get(_key(text))
        if found is None:
            raise ValueError(f"{what}“{text}”不是系统中的在职用户(请填写用户名或姓名)")
        return found


def _match(pool: list[tuple[str, Region]], text: str) -> tuple[Region, str] | None:
    for name, region in pool:
        if text.startswith(name):
            return region, text[len(name) :].lstrip()
    return None
