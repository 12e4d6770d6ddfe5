"""Running the installed `fazhi` console script in a subprocess (tests of issue 16)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

FAZHI = str(Path(sys.executable).parent / "fazhi")
REPO = Path(__file__).resolve().parents[3]


def environment(tmp_path: Path, **env: str) -> dict[str, str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LANG", "LC_", "DATABASE_URL", "FAZHI_", "DJANGO_SETTINGS"))
    }
    # FAZHI_DEMO=1: these tests ask for `fazhi demo` explicitly, as `make demo` does (ADR 0024);
    # a test of the refusal passes FAZHI_DEMO="".
    environ.update({"FAZHI_VAR_DIR": str(tmp_path / "var"), "FAZHI_DEMO": "1", **env})
    return environ


def run(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own entry point)
        [FAZHI, *args],
        capture_output=True,
        text=True,
        env=environment(tmp_path, **env),
        timeout=300,
        cwd=REPO,
    )


PROGRESS = re.compile(r"^(\[\d+(/\d+)?\] |    )")  # fazhi.core.progress.Lines


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one error line on stderr (after any progress lines of the stages begun before)."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if not PROGRESS.match(line)]
    assert len(errors) == 1, result.stderr
    assert lines[-1] == errors[0], result.stderr
    return errors[0]


def run_on_terminal(*args: str, tmp_path: Path, **env: str) -> tuple[int, str, str]:
    """Run with stderr (and stdin) on a pseudo-terminal of 120×40 and stdout on a pipe, as
    ``fazhi … --json > out.json`` in an operator's shell; return (code, stdout, terminal)."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(  # noqa: S603  (our own entry point)
        [FAZHI, *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=environment(tmp_path, TERM="xterm-256color", **env),
        cwd=REPO,
    )
    os.close(slave)
    assert proc.stdout is not None
    out, term = bytearray(), bytearray()
    streams: dict[int, Any] = {master: term, proc.stdout.fileno(): out}
    while streams:
        ready, _w, _x = select.select(list(streams), [], [], 300)
        if not ready:
            proc.kill()
            raise TimeoutError(" ".join(args))
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the terminal's last writer is gone
                data = b""
            if data:
                streams[fd].extend(data)
            else:
                del streams[fd]
    os.close(master)
    code = proc.wait(timeout=60)
    return code, out.decode(), term.decode(errors="replace")
