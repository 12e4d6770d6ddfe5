from tests.browser.conftest import browser, console_errors, page  # noqa: F401 - for the browser tests
