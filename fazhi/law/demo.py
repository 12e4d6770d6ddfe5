"""The demo's laws: ``load_laws`` with the statutes shipped in the law app (demo step 10)."""

from __future__ import annotations

import io

from django.core.management import call_command

from fazhi.core.demo import DemoRun, step


@step(10, "laws", needs="laws")
def load_laws(run: DemoRun) -> None:
    call_command("load_laws", stdout=io.StringIO())
