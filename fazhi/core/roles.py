"""Roles and what each may do (the access vocabulary of the foundation; ADR 0017).

One table decides it. The three administrators of 等保 level 3 (三员分立: 系统管理员,
安全管理员, 审计管理员) hold disjoint capabilities and none of them reads case data; a test
checks both properties (fazhi/org/tests/test_roles.py).
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("执法民警")
    LEGAL_OFFICER = "legal_officer", _("法制员")
    CLERK = "clerk", _("案管员")
    SUPERVISOR = "supervisor", _("执法监督")
    LEADER = "leader", _("中心领导")
    WINDOW = "window", _("窗口民警")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


class Capability(StrEnum):
    # Business data inside the user's organisational scope.
    VIEW_SCOPED_DATA = "view_scoped_data"  # officers, cases, warnings of the scope
    HANDLE_CASES = "handle_cases"
    REVIEW_CASES = "review_cases"  # 法制审核
    REVEAL_ID_NUMBER = "reveal_id_number"  # see a full ID number (each reveal is audited)
    SUPERVISE = "supervise"  # warnings, supervision orders, quality review
    HANDLE_SERVICES = "handle_services"  # 警快办: accept, decide and complete applications
    EDIT_CATALOGUE = "edit_catalogue"  # draft editions of the lists, enforcement items
    PUBLISH_LIST = "publish_list"  # freeze a draft edition and make it the live one
    HANDLE_LITIGATION = "handle_litigation"  # 行政复议答复、行政诉讼应诉 (法制部门)
    HANDLE_PETITIONS = "handle_petitions"  # 信访事项受理、办理，矛盾纠纷调解
    MANAGE_RULEBOOK = "manage_rulebook"  # 规范性文件、立法储备、重大行政决策、合法性审核
    MANAGE_TRAINING = "manage_training"  # 培训计划、课程、执法资格考试的组织与阅卷
    TAKE_EXAMS = "take_exams"  # 参加培训与执法资格考试（本人）
    # 系统管理员: accounts and reference data, no business records.
    MANAGE_ACCOUNTS = "manage_accounts"
    IMPORT_REFERENCE_DATA = "import_reference_data"  # units, officers, items
    # 安全管理员: who may do what, and locked accounts.
    ASSIGN_ROLES = "assign_roles"
    UNLOCK_ACCOUNTS = "unlock_accounts"
    # 审计管理员: the audit log.
    READ_AUDIT_LOG = "read_audit_log"


C = Capability

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OFFICER: frozenset({C.VIEW_SCOPED_DATA, C.HANDLE_CASES, C.HANDLE_PETITIONS, C.TAKE_EXAMS}),
    Role.LEGAL_OFFICER: frozenset(
        {
            C.VIEW_SCOPED_DATA,
            C.REVIEW_CASES,
            C.REVEAL_ID_NUMBER,
            C.EDIT_CATALOGUE,
            C.HANDLE_LITIGATION,
            C.MANAGE_RULEBOOK,
            C.MANAGE_TRAINING,
            C.TAKE_EXAMS,
        }
    ),
    Role.CLERK: frozenset(
        {C.VIEW_SCOPED_DATA, C.HANDLE_CASES, C.REVEAL_ID_NUMBER, C.HANDLE_PETITIONS, C.TAKE_EXAMS}
    ),
    Role.SUPERVISOR: frozenset({C.VIEW_SCOPED_DATA, C.SUPERVISE, C.REVEAL_ID_NUMBER, C.TAKE_EXAMS}),
    Role.LEADER: frozenset({C.VIEW_SCOPED_DATA, C.SUPERVISE, C.PUBLISH_LIST, C.TAKE_EXAMS}),
    Role.WINDOW: frozenset(
        {C.HANDLE_SERVICES, C.REVEAL_ID_NUMBER, C.HANDLE_PETITIONS, C.TAKE_EXAMS}
    ),
    Role.SYSTEM_ADMIN: frozenset({C.MANAGE_ACCOUNTS, C.IMPORT_REFERENCE_DATA}),
    Role.SECURITY_ADMIN: frozenset({C.ASSIGN_ROLES, C.UNLOCK_ACCOUNTS}),
    Role.AUDIT_ADMIN: frozenset({C.READ_AUDIT_LOG}),
}

ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
BUSINESS_DATA_CAPABILITIES = frozenset(
    {
        C.VIEW_SCOPED_DATA,
        C.HANDLE_CASES,
        C.REVIEW_CASES,
        C.REVEAL_ID_NUMBER,
        C.SUPERVISE,
        C.HANDLE_SERVICES,
        C.HANDLE_LITIGATION,
        C.HANDLE_PETITIONS,
        C.MANAGE_RULEBOOK,
        C.MANAGE_TRAINING,
        C.TAKE_EXAMS,
    }
)


def capabilities_of(role: str) -> frozenset[Capability]:
    return ROLE_CAPABILITIES.get(role, frozenset())
