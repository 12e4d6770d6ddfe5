"""The rulebook endpoints under /api/v1/rulebook/."""

from ninja import Router

router = Router(tags=["rulebook"])
