"""API for the organisation tree and officers, scoped by ``visible_to``."""

from ninja import Router

router = Router(tags=["org"])
