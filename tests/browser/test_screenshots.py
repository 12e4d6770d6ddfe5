"""The README's screenshots script, run against the test database."""

from __future__ import annotations

import pytest

from fazhi.core import screenshots
from fazhi.core.demo import DEMO_PASSWORD
from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory, build_small_tree


@pytest.mark.django_db
def test_the_script_asks_for_the_demo_data_first():
    with pytest.raises(screenshots.ScreenshotError, match="run `fazhi demo` first"):
        screenshots.check_ready()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_script_saves_the_staff_home_and_the_public_list(browser, tmp_path):
    tree = build_small_tree()
    UserFactory(
        username="city", role=Role.SUPERVISOR, scope_unit=tree["city"], password=DEMO_PASSWORD
    )

    saved = screenshots.take(tmp_path / "img", browser)

    assert [path.name for path in saved] == [
        "staff-home.png", "supervision-dashboard.png", "public-list.png", "jkb-guide.png",
    ]  # fmt: skip
    for path in saved:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 10_000
