"""Take the README's screenshots: ``python -m fazhi.core.screenshots docs/img``.

Serves the configured database (the demo database after ``fazhi demo``) on a free local port,
logs in as the demo city supervisor in headless Chromium (Debian's /usr/bin/chromium; `make
browser-deps` installs it with the CJK font) and saves:

* ``staff-home.png`` — the city supervisor's home page;
* ``supervision-dashboard.png`` — the city supervision centre's dashboard;
* ``public-list.png`` — the public page of the live power-and-responsibility list;
* ``jkb-guide.png`` — the public 警快办 service catalogue (办事指南).

Logging in is a real login: it is written to the audit log like any other.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.core.servers.basehttp import ThreadedWSGIServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--font-render-hinting=none",
]
VIEWPORT = {"width": 1280, "height": 800}
USERNAME = "city"


class ScreenshotError(Exception):
    """Something the operator must fix first (no demo data, no Chromium)."""


def serve() -> tuple[str, ThreadedWSGIServer]:
    """Start Django on a free port of 127.0.0.1 in a background thread; return (URL, server)."""
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}", server


def check_ready() -> str:
    """Return the demo password, or raise ScreenshotError saying what to run first."""
    from django.contrib.auth import get_user_model

    from fazhi.core.demo import DEMO_PASSWORD

    if not get_user_model().objects.filter(username=USERNAME, is_active=True).exists():
        raise ScreenshotError(f"no demo account {USERNAME!r}: run `fazhi demo` first")
    if not CHROMIUM.exists():
        raise ScreenshotError(f"{CHROMIUM} is missing: run `make browser-deps` first")
    return DEMO_PASSWORD


def take(out_dir: Path, browser: Any = None) -> list[Path]:
    """Save the screenshots into OUT_DIR and return their paths.

    BROWSER is a running Playwright Chromium to reuse (the tests pass theirs); without it, one
    is started and stopped here.
    """
    password = check_ready()
    out_dir.mkdir(parents=True, exist_ok=True)
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                return take(out_dir, chromium)
            finally:
                chromium.close()

    base_url, server = serve()
    try:
        staff = browser.new_context(
            base_url=base_url, locale="zh-CN", viewport=VIEWPORT, device_scale_factor=1
        )
        page = staff.new_page()
        page.goto("/login/")
        page.fill("#id_username", USERNAME)
        page.fill("#id_password", password)
        page.click("form button[type=submit]")
        page.wait_for_selector("[data-testid=home-title]")
        page.screenshot(path=out_dir / "staff-home.png", full_page=True)
        page.goto("/supervision/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=out_dir / "supervision-dashboard.png", full_page=True)
        staff.close()

        # The public site as a visitor sees it: a fresh browser context, not logged in.
        visitor = browser.new_context(
            base_url=base_url, locale="zh-CN", viewport=VIEWPORT, device_scale_factor=1
        )
        page = visitor.new_page()
        page.goto("/public/lists/power/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=out_dir / "public-list.png")
        page.goto("/jkb/guide/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=out_dir / "jkb-guide.png")
        visitor.close()
    finally:
        server.shutdown()
        server.server_close()
    return [
        out_dir / name
        for name in (
            "staff-home.png",
            "supervision-dashboard.png",
            "public-list.png",
            "jkb-guide.png",
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="where to save the PNG files (docs/img)")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhi.settings")
    # Playwright's sync API runs an event loop in this thread; our ORM calls here are plain
    # reads before the browser starts, so Django's async guard does not apply to them.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    try:
        for path in take(args.out_dir):
            print(path)
    except ScreenshotError as error:
        print(f"screenshots: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
