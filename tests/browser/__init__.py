"""Browser tests: Playwright drives the system Chromium against pytest-django's live server.

Fixtures (tests/browser/conftest.py): `browser` (one Chromium per test process), `new_page`
(a factory: a fresh browser context and page, guarded), `page` (one such page at desktop size)
and `browser_errors` (the test's guard: CSP violations, page errors, console errors; every
test fails at teardown if any were seen that the test did not `allow`).

Helpers (import them: `from tests.browser import login, shot, ...`):

- `login(page, live_server, username, password=PASSWORD)` fills the sign-in form and submits;
  `login_as(page, live_server, user)` also asserts the user is signed in.
- `logout(page)` signs out through the user menu.
- `shot(page, name)` saves var/test-output/screenshots/<test-name>-<name>.png (full page).
- `goto(page, live_server, path)` opens a path on the live server.
- `no_horizontal_overflow(page)` asserts the document is no wider than the viewport.

Write tests as `@pytest.mark.django_db(transaction=True)` functions that make their own data
(`crm.core.testing.make_personas()`, `crm.customers.services.create_customer(...)`): the live
server runs in another thread and only sees committed rows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from crm.core.testing import PASSWORD

__all__ = [
    "PASSWORD",
    "goto",
    "login",
    "login_as",
    "logout",
    "no_horizontal_overflow",
    "screenshot_dir",
    "shot",
]

# The test being run in this process (one at a time per process, even under xdist) and the
# screenshots it saved; set by the autouse fixture in conftest.py.
_current: dict[str, Any] = {"test": "unknown", "shots": []}


def screenshot_dir() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "test-output" / "screenshots"


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_")[:120]


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as <test-name>-<name>.png and return its path."""
    path = screenshot_dir() / f"{_safe(_current['test'])}-{_safe(name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    # Chromium sometimes answers "Unable to capture screenshot" when the machine is busy or
    # another context's window was in front (seen in CI with two pages of one test): bring the
    # page to the front and try again. A screenshot is the record of what the test saw, not
    # an assertion, so the last attempt falls back to the viewport rather than fail the test.
    for attempt in range(4):
        try:
            page.bring_to_front()
            page.screenshot(
                path=str(path), full_page=attempt < 3, animations="disabled", caret="initial"
            )
            break
        except PlaywrightError:
            if attempt == 3:
                raise
            page.wait_for_timeout(250 * (attempt + 1))
    _current["shots"].append(path)
    return path


def goto(page: Page, live_server: Any, path: str) -> None:
    """Open `path` (e.g. "/customers/") on the live server and wait for the page to load."""
    page.goto(f"{live_server.url}{path}")


def login(page: Page, live_server: Any, username: str, password: str = PASSWORD) -> None:
    """Fill the sign-in form (templates/accounts/login.html) and submit it."""
    goto(page, live_server, "/login/")
    form = page.locator("form", has=page.locator('input[name="password"]'))
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(password)
    with page.expect_navigation():
        form.get_by_role("button", name="登录", exact=True).click()


def login_as(page: Page, live_server: Any, user: Any, password: str = PASSWORD) -> None:
    """Sign in as `user` (a User or a username) and check the top bar shows the user menu."""
    login(page, live_server, getattr(user, "username", user), password)
    expect(page.locator("#user-menu")).to_be_visible()


def logout(page: Page) -> None:
    """Sign out through the top bar's user menu; lands on the sign-in page."""
    page.locator("#user-menu").click()
    logout_button = page.locator("#logout")
    expect(logout_button).to_be_visible()
    with page.expect_navigation():
        logout_button.click()
    expect(page).to_have_url(re.compile(r"/login/"))


def no_horizontal_overflow(page: Page) -> None:
    """The document scrolls only vertically: nothing sticks out past the viewport's width."""
    viewport = page.viewport_size
    width = viewport["width"] if viewport else page.evaluate("window.innerWidth")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        wide = page.evaluate(
            """(limit) => Array.from(document.querySelectorAll('body *'))
                 .filter((el) => el.getBoundingClientRect().right > limit + 0.5)
                 .filter((el) => !el.closest('.table-responsive'))
                 .slice(0, 8)
                 .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                      + (el.className && typeof el.className === 'string'
                         ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
                      + ' right=' + Math.round(el.getBoundingClientRect().right))""",
            width,
        )
        raise AssertionError(
            f"page is {scroll_width}px wide in a {width}px viewport; widest elements: {wide}"
        )
