"""The petitions endpoints under /api/v1/petitions/."""

from ninja import Router

router = Router(tags=["petitions"])
