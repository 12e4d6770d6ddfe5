from __future__ import annotations

from pathlib import Path

import pytest

from fazhi.core.tests.cli import run


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file migrated once by `fazhi migrate` itself (copy it per test)."""
    folder = tmp_path_factory.mktemp("migrated")
    path = folder / "db.sqlite3"
    result = run("migrate", "-v", "0", tmp_path=folder, DATABASE_URL=f"sqlite:///{path}")
    assert result.returncode == 0, result.stderr
    return path
