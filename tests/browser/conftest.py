"""The browser tests' fixtures live in tests/browser/plugin.py, loaded once by the root conftest."""

from tests.browser.plugin import CHROMIUM, CHROMIUM_ARGS, ConsoleErrors

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "ConsoleErrors"]
