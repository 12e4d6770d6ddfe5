"""Collect what the apps contribute: import one named module of every Fazhi app, once.

Core composes without importing an app (ADR 0017): a registry (home panels, demo steps …) asks
here for the apps' ``home`` or ``demo`` modules, whose decorators register their parts.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

_done: set[str] = set()


def import_app_modules(name: str) -> None:
    """Import the module NAME (e.g. ``"home"``) of every installed ``fazhi.*`` app, once."""
    if name in _done:
        return
    for config in apps.get_app_configs():
        if config.name.startswith("fazhi.") and module_has_submodule(config.module, name):
            import_module(f"{config.name}.{name}")
    _done.add(name)
