"""Roles and capabilities live in the foundation (``fazhi.core.roles``, ADR 0017).

This module re-exports them so that ``from fazhi.org.roles import Capability`` keeps working;
new code imports ``fazhi.core.roles``.
"""

from fazhi.core.roles import (
    ADMIN_ROLES,
    BUSINESS_DATA_CAPABILITIES,
    ROLE_CAPABILITIES,
    C,
    Capability,
    Role,
    capabilities_of,
)

__all__ = [
    "ADMIN_ROLES",
    "BUSINESS_DATA_CAPABILITIES",
    "ROLE_CAPABILITIES",
    "C",
    "Capability",
    "Role",
    "capabilities_of",
]
