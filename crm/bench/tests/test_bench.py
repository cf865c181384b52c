"""`crm bench`: the pieces (percentiles, growth, the timing middleware, the floors' gate) and
one small real run — gunicorn over the test database with the XS scale data set, a few
requests per operation — whose result file is checked: every operation answered as expected,
no errors, the query budgets, the page-size independence of the list, sane ratios."""

from __future__ import annotations

import importlib.util
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.management import call_command
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from crm.bench import ENV, report, runner
from crm.bench.client import RequestCounter
from crm.bench.management.commands.bench import infer_scale, parse_only
from crm.bench.middleware import BenchTimingMiddleware
from crm.bench.probes import QUERY_BUDGET
from crm.bench.subjects import brand

# --- the pieces ---------------------------------------------------------------------------


def test_p95_is_the_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert runner.percentile(values, 95) == 95.0
    assert runner.percentile(values, 50) == 50.0
    assert runner.percentile([7.0], 95) == 7.0
    assert runner.summary([]) == {"p50": None, "p95": None, "max": None}


def test_request_counter_calls_its_hook_once_at_the_count():
    counter, seen = RequestCounter(), list[int]()
    counter.at(3, seen.append)
    for _ in range(5):
        counter.add()
    assert seen == [3]
    assert counter.total == 5


def test_growth_compares_p95_per_operation_and_role():
    def line(op: int, key: str, p95: float, scale: str) -> dict[str, Any]:
        return {"op": op, "key": key, "label": key, "role": "sales", "scale": scale,
                "server_ms": {"p95": p95}}  # fmt: skip

    small = [line(1, "list.html", 20.0, "S"), line(5, "detail.html", 30.0, "S")]
    large = [line(1, "list.html", 39.0, "L"), line(5, "detail.html", 61.0, "L"),
             line(8, "mixed", 1.0, "L")]  # fmt: skip
    lines = report.compare(small, large)
    assert [(ln["key"], ln["ratio"], ln["pass"]) for ln in lines] == [
        ("list.html", 1.95, True),
        ("detail.html", 2.03, False),
    ]
    assert "list.html" in report.growth_markdown(lines)


def test_options_name_operations_and_scales():
    assert parse_only("1, search,10") == {1, 3, 10}
    assert parse_only("") == set(range(1, 11))
    assert infer_scale(300) == "XS"
    assert infer_scale(10_021) == "S"
    assert infer_scale(5_000) == "5000客户"


def test_search_terms_drop_the_city_and_brackets():
    assert brand("深圳市腾飞鑫科技有限公司") == "腾飞鑫科技有限公司"
    assert brand("腾飞(北京)科技有限公司") == "腾飞科技有限公司"


def test_timing_middleware_is_inert_without_the_variable(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(MiddlewareNotUsed):
        BenchTimingMiddleware(lambda request: HttpResponse())


@pytest.mark.django_db
def test_timing_middleware_times_and_counts_queries(monkeypatch):
    monkeypatch.setenv(ENV, "1")

    def view(request: HttpRequest) -> HttpResponse:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        return HttpResponse()

    response = BenchTimingMiddleware(view)(RequestFactory().get("/"))
    assert response.headers["X-Bench-Queries"] == "2"
    assert response.headers["Server-Timing"].startswith("app;dur=")


@pytest.mark.django_db
def test_floor_views_are_not_mounted_on_a_normal_server(personas):
    client = Client()
    client.force_login(personas.admin)
    for path in ("/bench/bare/", "/bench/row/?id=1", "/bench/page/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Server-Timing" not in response.headers


# --- one small real run -------------------------------------------------------------------

RATIO_LIMIT = 150  # an operation's server p95 over its floor's, a generous bound at XS
# Pages over their query budget when this suite was written (see docs/performance.md,
# "Benchmark suite"): strict, so fixing one makes its test fail until the mark goes.
OVER_BUDGET = {
    # contracts, orders and an open opportunity's gates: one query each, 16 in all
    "detail.html.plain": "客户 360 页(有合同、订单和进行中商机的客户)16 条 SQL > 15",
}
_run: dict[str, Any] = {}
SERVER_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]


def slow(test: Any) -> Any:
    """Long-running, and transactional: gunicorn must see the rows the test commits."""
    return pytest.mark.slow(pytest.mark.django_db(transaction=True)(test))


def collect_manifest(root: Path) -> None:
    """The production settings need the static manifest; hashing without compressing is
    enough for pages (the bench never fetches static files)."""
    manifest = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    storages = {**settings.STORAGES, "staticfiles": manifest}
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)


def run_bench(tmp_path_factory: pytest.TempPathFactory) -> None:
    var = tmp_path_factory.mktemp("bench-var")
    collect_manifest(var / "static")
    no_index = importlib.util.find_spec("crm.customers.search_index") is None
    # the server checks passwords with the production hashers, not the tests' fast MD5
    with override_settings(PASSWORD_HASHERS=SERVER_HASHERS):
        call_command("demo", scale="XS", jobs=0, quiet=True, no_search_index=no_index,
                     stdout=StringIO())  # fmt: skip
    out = var / "results"
    stdout = StringIO()
    with override_settings(PASSWORD_HASHERS=SERVER_HASHERS):  # the bench admin, once
        call_command(
            "bench", requests=5, warmup=1, load_seconds=3, memory_requests=300,
            out=str(out), var_dir=str(var), stdout=stdout, verbosity=0,
        )  # fmt: skip
    (result,) = out.glob("bench-*.jsonl")
    _run.update(lines=report.read_jsonl(result), stdout=stdout.getvalue(), out=out)


@pytest.fixture
def bench(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the suite once (XS data in the test database, gunicorn reading the same database)
    and keep its lines for every test of this module; a failed run fails them all at once."""
    if not _run:
        try:
            run_bench(tmp_path_factory)
        except BaseException as exc:
            _run["error"] = exc
    if "error" in _run:
        raise RuntimeError(f"the bench run failed: {_run['error']!r}")
    return _run


def by_key(lines: list[dict[str, Any]], op: int) -> dict[tuple[str, str], dict[str, Any]]:
    return {(ln["key"], ln["role"]): ln for ln in lines if ln["op"] == op}


@slow
def test_bench_writes_a_line_per_operation_and_a_table(bench):
    lines = bench["lines"]
    assert {ln["op"] for ln in lines} == set(range(11))
    for ln in lines:
        assert ln["scale"] == "XS"
        assert ln["vendor"] == connection.vendor
        assert ln["counts"]["customers"] >= 300
        assert isinstance(ln["pass"], bool)
    assert len(by_key(lines, 1)) == 10  # five roles, page and API
    assert (Path(bench["out"]) / next(Path(bench["out"]).glob("*.md")).name).exists()
    assert "| 1 | 客户列表 HTML | 销售 |" in bench["stdout"]


@slow
def test_every_operation_answered_as_expected_without_errors(bench):
    for ln in bench["lines"]:
        assert ln["errors"] == 0, (ln["key"], ln["role"], ln.get("error_samples"))
        if "statuses" in ln:
            expected = {str(s) for s in ln.get("expect", [200, 201])}
            assert set(ln["statuses"]) <= expected, (ln["key"], ln["statuses"])


@slow
def test_operations_carry_server_timing_floor_and_ratio(bench):
    for ln in bench["lines"]:
        if not 1 <= ln["op"] <= 7:
            continue
        assert ln["requests"] == 5
        assert ln["server_ms"]["p95"] is not None, ln["key"]
        assert ln["client_ms"]["p95"] >= ln["server_ms"]["p50"]
        assert ln["queries"]["max"] is not None
        assert ln["floor"]["name"] in {"row", "page"}
        assert ln["floor"]["errors"] == 0
        assert 0 < ln["ratio"] <= RATIO_LIMIT, (ln["key"], ln["role"], ln["ratio"])
        assert ln["target"]["server_p95_ms"] > 0


@slow
def test_mixed_load_and_memory_were_measured(bench):
    (mixed,) = by_key(bench["lines"], 8).values()
    assert mixed["requests"] > 0 and mixed["throughput_rps"] > 0
    assert set(mixed["mix"]) <= {"list", "detail", "write", "agenda"}
    (memory,) = by_key(bench["lines"], 9).values()
    assert memory["same_workers"] is True
    assert len(memory["workers"]) == 2
    assert all(w["rss_mib_end"] > 10 for w in memory["workers"])


BUDGETED = [
    "list.html", "list.api", "list.api.size20", "list.api.size50", "filter.html", "filter.api",
    "search.zh2", "search.zh3", "search.zh4", "search.initials", "search.phone_tail",
    "typeahead", "detail.html.rich", "detail.html.plain", "detail.api.rich", "detail.api.plain",
]  # fmt: skip


@slow
@pytest.mark.parametrize(
    "key",
    [
        pytest.param(
            k, marks=pytest.mark.xfail(reason=OVER_BUDGET[k], strict=True, raises=AssertionError)
        )
        if k in OVER_BUDGET
        else k
        for k in BUDGETED
    ],
)
def test_page_within_its_query_budget(bench, key):
    found = [ln for ln in bench["lines"] if ln["op"] == 10 and ln["key"] == key]
    assert found
    budget = QUERY_BUDGET["detail" if key.startswith("detail") else "list"]
    assert {ln["role"]: ln["queries"]["max"] for ln in found} == {
        ln["role"]: min(ln["queries"]["max"], budget) for ln in found
    }


@slow
def test_list_queries_do_not_depend_on_page_size(bench):
    pairs = by_key(bench["lines"], 10)
    for role in ("sales", "admin"):
        line = pairs[("list.api.size20~list.api.size50", role)]
        assert line["queries"]["small"] == line["queries"]["big"]
