import itertools

import pytest

from fazhi.core.roles import (
    ADMIN_ROLES,
    BUSINESS_DATA_CAPABILITIES,
    ROLE_CAPABILITIES,
    Capability,
    Role,
)


def test_every_role_has_capabilities():
    assert set(ROLE_CAPABILITIES) == set(Role.values)


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(sorted(ADMIN_ROLES), 2)))
def test_the_three_administrators_share_no_capability(a, b):
    assert ROLE_CAPABILITIES[a] & ROLE_CAPABILITIES[b] == frozenset()


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_no_administrator_reads_business_data(role):
    assert ROLE_CAPABILITIES[role] & BUSINESS_DATA_CAPABILITIES == frozenset()


def test_only_the_audit_administrator_reads_the_audit_log():
    readers = {
        role for role, caps in ROLE_CAPABILITIES.items() if Capability.READ_AUDIT_LOG in caps
    }
    assert readers == {Role.AUDIT_ADMIN}


def test_only_the_security_administrator_assigns_roles():
    assigners = {
        role for role, caps in ROLE_CAPABILITIES.items() if Capability.ASSIGN_ROLES in caps
    }
    assert assigners == {Role.SECURITY_ADMIN}


def test_drafting_and_publishing_a_list_are_separate_roles():
    drafters = {r for r, caps in ROLE_CAPABILITIES.items() if Capability.EDIT_CATALOGUE in caps}
    publishers = {r for r, caps in ROLE_CAPABILITIES.items() if Capability.PUBLISH_LIST in caps}
    assert drafters.isdisjoint(publishers)
