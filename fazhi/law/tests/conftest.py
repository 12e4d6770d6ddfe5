import pytest


@pytest.fixture
def laws(db):
    """Load the shipped laws once for the test; return the load report."""
    from fazhi.law.loader import load_laws

    return load_laws()
