"""reports sits above the domain apps: none of them imports it, directly or through another."""

import grimp
import pytest

DOMAIN_APPS = [
    "org",
    "law",
    "catalog",
    "cases",
    "discretion",
    "supervision",
    "services",
    "litigation",
    "petitions",
    "rulebook",
    "training",
    "audit",
    "portal",
    "core",
]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("fazhi")


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_no_domain_app_imports_reports(graph, app):
    if f"fazhi.{app}" not in graph.modules:
        pytest.skip(f"no app {app}")
    chains = graph.find_shortest_chains(importer=f"fazhi.{app}", imported="fazhi.reports")
    # Tests may reach the whole API (a fuzz run imports fazhi.api); the rule binds product code.
    chains = {chain for chain in chains if ".tests." not in chain[0]}
    assert not chains, sorted(chains)


def test_the_registry_is_read_from_core_by_reports(graph):
    assert "fazhi.core.metrics" in graph.find_modules_directly_imported_by("fazhi.reports.figures")
    assert "fazhi.reports.metrics" not in graph.modules  # one registry, in core
