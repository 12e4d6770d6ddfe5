"""Progress of long commands (issue 16): a bar with counts and an estimate on a terminal, one line
per stage elsewhere, nothing with ``--quiet``. Always on stderr, so ``--json`` on stdout stays
clean.

Code deep inside a run reports without a parameter: ``progress.stage("officers")`` starts a
stage, ``progress.count(_("导入行"), total)`` a counted part of it and ``progress.advance()``
moves it on. Outside ``reporting(...)`` these calls do nothing (tests, web requests, the worker).
A command picks its reporter with ``for_command(quiet=…)``::

    with progress.reporting(progress.for_command(quiet=options["quiet"])):
        result = demo.load(...)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any


class Silent:
    """Reports nothing (``--quiet``, and everything outside ``reporting``)."""

    def plan(self, stages: int) -> None:
        pass

    def stage(self, name: str) -> None:
        pass

    def count(self, name: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class Lines(Silent):
    """One line per stage, and one per counted part when it ends (a log file, a pipe, CI)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.stages = 0
        self.number = 0
        self._count: tuple[str, int, float] | None = None
        self._done = 0

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def plan(self, stages: int) -> None:
        self.stages = stages

    def stage(self, name: str) -> None:
        self._end_count()
        self.number += 1
        of = f"/{self.stages}" if self.stages else ""
        self._write(f"[{self.number}{of}] {name}")

    def count(self, name: str, total: int) -> None:
        self._end_count()
        self._count = (name, total, time.monotonic())
        self._done = 0

    def advance(self, n: int = 1) -> None:
        self._done += n

    def _end_count(self) -> None:
        if self._count is not None:
            name, total, started = self._count
            self._write(f"    {name} {self._done}/{total} ({time.monotonic() - started:.1f}s)")
            self._count = None

    def close(self) -> None:
        self._end_count()


class Bar(Silent):
    """rich's live bars on a terminal: the stages, and the counted part with its estimate."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=False,
            redirect_stdout=False,  # stdout stays the command's (--json)
            redirect_stderr=False,
        )
        self.progress.start()
        self.stages: Any = None
        self.part: Any = None

    def plan(self, stages: int) -> None:
        self.stages = self.progress.add_task("", total=stages)

    def stage(self, name: str) -> None:
        self._end_part()
        if self.stages is None:
            self.stages = self.progress.add_task(name, total=None)
        else:
            task = self.progress.tasks[self.stages]
            if task.description:  # the previous stage is done
                self.progress.advance(self.stages)
        self.progress.update(self.stages, description=name)

    def count(self, name: str, total: int) -> None:
        self._end_part()
        self.part = self.progress.add_task(f"  {name}", total=total)

    def advance(self, n: int = 1) -> None:
        if self.part is not None:
            self.progress.advance(self.part, n)

    def _end_part(self) -> None:
        self.part = None  # its finished bar stays on the screen with its count

    def close(self) -> None:
        self._end_part()
        if self.stages is not None:
            task = self.progress.tasks[self.stages]
            if task.total is not None:
                self.progress.update(self.stages, completed=task.total)
        self.progress.stop()


Reporter = Silent
_SILENT = Silent()
_current: ContextVar[Reporter | None] = ContextVar("fazhi_progress", default=None)


def for_command(*, quiet: bool = False, stream: IO[str] | None = None) -> Reporter:
    """Silent with QUIET, bars when STREAM (stderr) is a terminal, else one line per stage."""
    stream = stream or sys.stderr
    if quiet:
        return Silent()
    if stream.isatty():
        return Bar(stream)
    return Lines(stream)


@contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        _current.reset(token)
        reporter.close()


def current() -> Reporter:
    return _current.get() or _SILENT


def plan(stages: int) -> None:
    current().plan(stages)


def stage(name: str) -> None:
    current().stage(name)


def count(name: str, total: int) -> None:
    current().count(name, total)


def advance(n: int = 1) -> None:
    current().advance(n)
