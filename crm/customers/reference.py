"""Load the GB/T 4754-2017 industry and GB/T 2260 region fact tables shipped as CSV files."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SOURCES = (
    "官网留言",
    "行业展会",
    "老客户转介绍",
    "线上推广",
    "渠道推荐",
    "电话咨询",
    "其他",
)


def read_rows(name: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(line for line in handle if not line.startswith("#"))


def load(industry_model: Any, region_model: Any, source_model: Any) -> dict[str, int]:
    """Insert or update every row (parents first); returns counts. Safe to run again."""
    counts = {"industries": 0, "regions": 0, "sources": 0}
    for row in read_rows("industries.csv"):
        industry_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "parent_id": row["parent"] or None,
                "name": row["name"],
                "short_code": row["short_code"],
            },
        )
        counts["industries"] += 1
    for row in sorted(read_rows("regions.csv"), key=lambda r: (bool(r["parent"]), r["code"])):
        region_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "parent_id": row["parent"] or None,
                "name": row["name"],
                "level": row["level"],
                "sales_region": row["sales_region"],
            },
        )
        counts["regions"] += 1
    for position, name in enumerate(DEFAULT_SOURCES):
        _, created = source_model.objects.get_or_create(name=name, defaults={"position": position})
        counts["sources"] += int(created)
    return counts
