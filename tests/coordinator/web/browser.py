"""A real browser for the console tests: Playwright driving the system Chromium
(Debian package ``chromium``, installed by ``scripts/setup.sh test``; browsers cannot be
downloaded on these machines). Tests that need it are skipped, with the reason, when
the package or Playwright is missing.

``Visit`` records every request a page makes (all must go to the node's own origin)
and takes screenshots into ``SHOTS_DIR`` (``VPR_TEST_SHOTS`` or a temp dir) to look at.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("VPR_CHROMIUM", "/usr/bin/chromium")
SHOTS_DIR = Path(os.environ.get("VPR_TEST_SHOTS") or tempfile.mkdtemp(prefix="vpr-console-shots-"))
#: Flags for a machine with no internet: no background traffic, no sandbox (root in CI).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--lang=ru-RU"]


def launch(playwright):
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian package 'chromium'): browser tests NOT run")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


class Visit:
    """One browser context on the node (its own cookies), recording requests."""

    def __init__(self, browser, base_url: str, width: int = 1366, height: int = 768) -> None:
        self.base_url = base_url.rstrip("/")
        self.context = browser.new_context(ignore_https_errors=True, viewport={"width": width, "height": height},
                                           locale="ru-RU")
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("dialog", lambda d: d.accept())

    def go(self, path: str):
        self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def login(self, login: str, password: str):
        self.go("/login")
        self.page.fill("input[name=login]", login)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def shot(self, name: str) -> Path:
        SHOTS_DIR.mkdir(parents=True, exist_ok=True)
        path = SHOTS_DIR / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def foreign_requests(self) -> list[str]:
        """Requests that went anywhere but the node (must be none: no CDN, ever)."""
        own = urlsplit(self.base_url).netloc
        return [u for u in self.requests if urlsplit(u).netloc != own and not u.startswith(("data:", "blob:"))]

    def close(self) -> None:
        self.context.close()
