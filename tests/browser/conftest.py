"""The stack and the console as `elig up` starts them, and Debian's Chromium driven by
Playwright (never a downloaded browser). Every page a test opens can be scanned with
axe-core and, under `make screenshots`, saved as a picture in docs/console/."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from services.cli.stack import Stack, free_ports, running_stack

CHROMIUM = os.environ.get("ELIG_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).with_name("axe.min.js")
# Set by `make screenshots`: where each page's picture and the axe results go.
SHOTS = os.environ.get("ELIG_SCREENSHOTS_DIR", "")
BLOCKING = {"serious", "critical"}

playwright_sync = pytest.importorskip("playwright.sync_api")


@dataclass
class Console:
    stack: Stack
    url: str
    axe_results: dict[str, dict[str, int]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def console() -> Iterator[Console]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not at {CHROMIUM}: `make install` installs Debian's (as root)")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="elig-console-") as folder:
        stack = Stack.on_free_ports(Path(folder))
        with running_stack(stack):
            url = stack.start_console(free_ports(1)[0])
            handle = Console(stack, url)
            yield handle
    if SHOTS and handle.axe_results:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        (Path(SHOTS) / "axe-results.json").write_text(
            json.dumps(handle.axe_results, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )


# Module scope, not session: while Playwright's synchronous driver is open it holds an
# event loop on this thread, which the asyncio tests after this folder cannot share.
@pytest.fixture(scope="module")
def browser(console: Console) -> Iterator[object]:
    with playwright_sync.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, console: Console):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=console.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    # Whatever the console's own pages load or do must be allowed by its policy.
    refused: list[str] = []
    opened.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield opened
    context.close()
    assert not refused, refused


def sign_in(page, caseworker: str = "cw-browser", role: str = "caseworker") -> None:  # type: ignore[no-untyped-def]
    page.goto("/signin")
    page.get_by_label("Caseworker id").fill(caseworker)
    page.locator(f"label[for=role-{role}]").click()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/cases")


def check_page(page, console: Console, name: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """axe-core over the page as shown: no serious or critical violation; the counts by
    impact are kept for the record, and the page saved when screenshots are asked for."""
    # Through the driver, not a <script> tag: the console's Content-Security-Policy
    # (services/console/security_headers.py) rightly refuses an inline script.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    counts: dict[str, int] = {}
    blocking = []
    for violation in result["violations"]:
        impact = violation.get("impact") or "unknown"
        counts[impact] = counts.get(impact, 0) + len(violation["nodes"])
        if impact in BLOCKING:
            blocking.append(
                (violation["id"], violation["help"], [n["target"] for n in violation["nodes"][:3]])
            )
    counts["passes"] = len(result["passes"])
    console.axe_results[name] = counts
    assert not blocking, f"{name}: {blocking}"
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
    return counts
