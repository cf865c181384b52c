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
    """Insert or update every row in three bulk upserts; returns counts. Safe to run again."""
    industries = [
        industry_model(
            code=r["code"],
            parent_id=r["parent"] or None,
            name=r["name"],
            short_code=r["short_code"],
        )
        for r in read_rows("industries.csv")
    ]
    regions = [
        region_model(
            code=r["code"],
            parent_id=r["parent"] or None,
            name=r["name"],
            level=r["level"],
            sales_region=r["sales_region"],
        )
        for r in sorted(read_rows("regions.csv"), key=lambda r: (bool(r["parent"]), r["code"]))
    ]
    sources = [source_model(name=name, position=i) for i, name in enumerate(DEFAULT_SOURCES)]
    industry_model.objects.bulk_create(
        industries,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["parent", "name", "short_code"],
    )
    region_model.objects.bulk_create(
        regions,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["parent", "name", "level", "sales_region"],
    )
    source_model.objects.bulk_create(sources, ignore_conflicts=True)
    return {"industries": len(industries), "regions": len(regions), "sources": len(sources)}
