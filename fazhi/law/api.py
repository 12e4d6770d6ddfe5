"""API for laws and provisions (public reference data, still behind authentication)."""

from ninja import Router

router = Router(tags=["law"])
