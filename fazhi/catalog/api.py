"""API for enforcement items and list editions."""

from ninja import Router

router = Router(tags=["catalog"])
