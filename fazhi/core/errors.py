"""Domain errors: a translated message, a stable code, and (for legal rules) the provision."""

from __future__ import annotations

from typing import Any


class FazhiError(Exception):
    """A domain error whose message is shown to the user as is (translated)."""

    code = "error"

    def __init__(
        self, message: Any, *, code: str | None = None, field: str | None = None, basis: Any = None
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.basis = basis

    def __str__(self) -> str:
        return str(self.message)


class InvalidIdentifier(FazhiError, ValueError):
    """An ID number or credit code failed validation."""

    code = "invalid_identifier"


class PermissionDeniedError(FazhiError):
    code = "permission_denied"


class FrozenRecord(FazhiError):
    """A published or append-only record was about to be changed."""

    code = "frozen"


class LegalRuleViolation(FazhiError):
    """An act the law does not allow; carries the provision in ``basis``."""

    code = "legal_rule"
