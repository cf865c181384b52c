"""Browser-test fixtures: Playwright drives the system Chromium against the live server.

The browser is Debian's /usr/bin/chromium; Playwright never downloads one (`playwright install`
is never run). Without it the browser tests are skipped, except under CI=true, where that is a
failure. See tests/browser/__init__.py for the fixtures and helpers a test uses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from tests.browser import _current, shot

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000

# Runs in every page before the page's own scripts. Playwright injects it through the DevTools
# protocol, so the page's CSP does not apply to it (checked: it runs under a nonce-only
# script-src, and the events it records are the violations of the page's own content).
# Violations go to window.__cspViolations and, at once, to Python through a binding, so the
# ones of a page that navigated away are not lost.
CSP_LISTENER = """
(() => {
  window.__cspViolations = window.__cspViolations || [];
  document.addEventListener("securitypolicyviolation", (event) => {
    const violation = {
      directive: event.violatedDirective,
      blocked: event.blockedURI,
      source: event.sourceFile,
      line: event.lineNumber,
      sample: event.sample,
      page: document.location.href,
    };
    window.__cspViolations.push(violation);
    if (typeof window.__reportCspViolation === "function") window.__reportCspViolation(violation);
  });
})();
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Keep each phase's report on the item, so fixtures can tell whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class BrowserErrors:
    """What went wrong in the test's pages: CSP violations, uncaught errors, console errors.

    Checked when the test ends; a test that expects one says so with `allow(regex)`.
    """

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def record(self, kind: str, text: str) -> None:
        entry = f"[{kind}] {text}"
        if entry not in self.seen:
            self.seen.append(entry)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.record("pageerror", f"{error} @ {page.url}"))
        page.on("console", lambda message: self._console(message, page))
        page.on("crash", lambda _page: self.record("crash", page.url))

    def _console(self, message: ConsoleMessage, page: Page) -> None:
        if message.type == "error":
            where = message.location.get("url") or page.url
            self.record("console", f"{message.text} @ {where}")

    def collect(self, page: Page) -> None:
        """Read the violations the current document recorded (normally already reported)."""
        if page.is_closed():
            return
        try:
            violations = page.evaluate("window.__cspViolations || []")
        except Exception:  # a page mid-navigation or gone has nothing to add
            return
        for violation in violations:
            self.record("csp", _describe(violation))

    def unexpected(self) -> list[str]:
        return [e for e in self.seen if not any(p.search(e) for p in self.allowed)]


def _describe(violation: dict[str, Any]) -> str:
    return (
        f"{violation.get('directive')} blocked {violation.get('blocked') or 'inline'}"
        f" in {violation.get('source') or violation.get('page')}:{violation.get('line')}"
        f" {violation.get('sample') or ''}".rstrip()
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test process (the system one, never a downloaded build)."""
    if not CHROMIUM.exists():
        message = (
            f"浏览器测试需要 {CHROMIUM}: apt-get install -y chromium chromium-driver "
            "fonts-noto-cjk (browser tests need the system Chromium)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    # Playwright's sync API keeps an asyncio event loop running in this (the test) thread for
    # as long as it is started. Django sees the running loop and refuses ORM calls from the
    # thread (SynchronousOnlyOperation), yet the tests make their data through the ORM, in
    # plain synchronous code: nothing here actually runs concurrently, so the check is off
    # while Playwright runs (from the first browser test to the end of this process).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _screenshot_names(request: pytest.FixtureRequest) -> None:
    """shot() names files after the running test."""
    _current["test"] = request.node.name
    _current["shots"] = []


@pytest.fixture
def browser_errors() -> BrowserErrors:
    """The test's error guard; `browser_errors.allow(regex)` accepts an expected error."""
    return BrowserErrors()


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_server: Any,
    browser_errors: BrowserErrors,
) -> Iterator[Callable[..., Page]]:
    """new_page(width=1280, height=800, **context_options) -> a page in a fresh context.

    Each call is a separate browser session (its own cookies): two users at once are two
    calls. Pages are zh-CN, Asia/Shanghai, guarded for CSP violations and script errors.
    """
    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    def make(
        *, width: int = DESKTOP["width"], height: int = DESKTOP["height"], **options: Any
    ) -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            base_url=live_server.url,
            **options,
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.expose_binding(
            "__reportCspViolation",
            lambda _source, violation: browser_errors.record("csp", _describe(violation)),
        )
        context.add_init_script(script=CSP_LISTENER)
        page = context.new_page()
        browser_errors.watch(page)
        pages.append(page)
        return page

    yield make

    call = getattr(request.node, "rep_call", None)
    # an expected failure (xfail) counts as failed here: its errors are reported, not raised
    failed = call is not None and (call.failed or hasattr(call, "wasxfail"))
    open_pages = [p for p in pages if not p.is_closed()]
    for page in open_pages:
        browser_errors.collect(page)
    if open_pages:
        if failed:
            shot(open_pages[-1], "failed")
        elif not _current["shots"]:
            shot(open_pages[-1], "end")
    for context in contexts:
        context.close()
    problems = browser_errors.unexpected()
    if problems and failed:
        print("browser errors:", *problems, sep="\n  ")  # shown with the failure
    elif problems:
        pytest.fail(
            "the pages had CSP violations or script errors:\n  " + "\n  ".join(problems),
            pytrace=False,
        )


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A fresh desktop page (1280x800) in its own browser context."""
    return new_page()
