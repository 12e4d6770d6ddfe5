"""The litigation endpoints under /api/v1/litigation/."""

from ninja import Router

router = Router(tags=["litigation"])
