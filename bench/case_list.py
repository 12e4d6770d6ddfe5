"""Benchmark: GET /api/v1/cases (first page, as a district supervisor) with 16 concurrent clients.

A real server process (gunicorn, 4 workers × 2 threads by default, on 127.0.0.1) serves both the API and
the baseline — bench/baseline.py, one raw SQL query answering the same page — in the same run.
Each of the 16 clients is a process of its own (no client waits on another's GIL), keeps one
connection open and sends its requests back to back; the
latency of every request is recorded, and p50/p95 are reported for both endpoints. The two are
measured in alternating rounds (API, baseline, API, …) so that both meet the same load from
elsewhere on the machine; the load average is recorded with the figures, and so is the CPU time
the server's workers spend per request (from /proc, on Linux), which other load hardly changes. Before timing, the run
checks that both endpoints answer the same cases in the same order.

The server runs with ``FAZHI_DB_CONN_MAX_AGE`` = ``BENCH_CONN_MAX_AGE`` (default 60 s: each
server thread keeps its database connection, as a deployment does — docs/operations/
configuration.md); ``BENCH_CONN_MAX_AGE=0`` opens a connection per request (Django's default),
which costs both endpoints ~1.5 ms on SQLite (schema read, cold page cache).
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench import common

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))  # per client and endpoint
ROUNDS = 4  # REQUESTS are split into this many alternating rounds per endpoint
PORT = int(os.environ.get("BENCH_PORT", "8765"))
# Two processes per core: a request waits for a core, not for another thread's GIL (the same
# server serves the API and the baseline, so the ratio stays fair). BENCH_WORKERS/THREADS to vary.
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
CONN_MAX_AGE = os.environ.get("BENCH_CONN_MAX_AGE", "60")


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _client(path: str, headers: dict[str, str], count: int, start, out) -> None:
    """One client: its own process (so clients never wait on each other's GIL), one
    keep-alive connection, COUNT requests back to back; put (timings, errors) on OUT."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    mine, errors = [], 0
    start.wait()
    for _ in range(count):
        t = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        mine.append(time.perf_counter() - t)
        if response.status != 200 or not json.loads(body)["items"]:
            errors += 1
    conn.close()
    out.put((mine, errors))


def _hammer(path: str, headers: dict[str, str], count: int) -> tuple[list[float], int]:
    """CLIENTS concurrent clients, each a process, started together; every latency recorded."""
    context = multiprocessing.get_context("fork")
    start, out = context.Barrier(CLIENTS), context.Queue()
    clients = [
        context.Process(target=_client, args=(path, headers, count, start, out))
        for _ in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    timings: list[float] = []
    errors = 0
    for _ in clients:
        mine, failed = out.get()
        timings.extend(mine)
        errors += failed
    for client in clients:
        client.join()
    return timings, errors


def _server_cpu(pid: int) -> float:
    """Return the CPU seconds used so far by the worker processes of server PID (0 if unknown)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the parent: a worker of this server
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def _numbers(path: str, headers: dict[str, str]) -> list[str]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    conn.request("GET", path, headers=headers)
    body = json.loads(conn.getresponse().read())
    conn.close()
    return [item["number"] for item in body["items"]]


def main() -> None:
    common.setup()
    from django.db import close_old_connections

    from bench.accounts import DISTRICT, district_supervisor
    from fazhi.org.models import Unit
    from fazhi.org.tokens import issue_token

    user = district_supervisor()
    token = issue_token(user, "bench", actor="system:bench", valid_days=1)
    path = Unit.objects.get(code=DISTRICT).path
    close_old_connections()
    if not _free(PORT):
        raise SystemExit(f"port {PORT} is in use: set BENCH_PORT")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "FAZHI_DB_CONN_MAX_AGE": CONN_MAX_AGE,
    }
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "fazhi.wsgi:application",
            f"--bind=127.0.0.1:{PORT}",
            f"--workers={WORKERS}",
            f"--threads={THREADS}",
            "--worker-class=gthread",
            "--log-level=warning",
        ],
        cwd=common.ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            if not _free(PORT):
                break
            time.sleep(0.2)
        api = ("/api/v1/cases", {"Authorization": f"Bearer {token}"})
        bare = (f"/bench/baseline/cases?path={path}", {})
        if _numbers(*api) != _numbers(*bare):
            raise SystemExit("the API and the baseline answer different pages")
        for url, headers in (api, bare):  # warm both workers and their connections
            _hammer(url, headers, 3)
        load = os.getloadavg()[0]  # before the run: the machine's load from elsewhere
        api_t, bare_t, api_err, bare_err, api_cpu, bare_cpu = [], [], 0, 0, 0.0, 0.0
        for _ in range(ROUNDS):
            cpu = _server_cpu(server.pid)
            timings, errors = _hammer(*api, REQUESTS // ROUNDS)
            api_t, api_err = api_t + timings, api_err + errors
            api_cpu, cpu = api_cpu + _server_cpu(server.pid) - cpu, _server_cpu(server.pid)
            timings, errors = _hammer(*bare, REQUESTS // ROUNDS)
            bare_t, bare_err = bare_t + timings, bare_err + errors
            bare_cpu += _server_cpu(server.pid) - cpu
    finally:
        server.terminate()
        server.wait(timeout=30)
    if api_err or bare_err:
        print(f"errors: api {api_err}, baseline {bare_err}")
    p95, b95 = common.percentile(api_t, 0.95), common.percentile(bare_t, 0.95)
    print(
        f"case list, {CLIENTS} clients × {REQUESTS} requests, {common.CASES:,} cases "
        f"({common.engine()}, CONN_MAX_AGE={CONN_MAX_AGE}, load average {load:.1f}); server CPU "
        f"per request: API {api_cpu / len(api_t) * 1000:.2f} ms, "
        f"baseline {bare_cpu / len(bare_t) * 1000:.2f} ms"
    )
    common.write_results(
        "case_list",
        [
            {
                "name": "case list API p50",
                "value": common.percentile(api_t, 0.50),
                "baseline": common.percentile(bare_t, 0.50),
                "clients": CLIENTS,
                "conn_max_age": int(CONN_MAX_AGE),
            },
            {
                "name": "case list API p95",
                "value": p95,
                "baseline": b95,
                "clients": CLIENTS,
                "conn_max_age": int(CONN_MAX_AGE),
                "load_average": round(load, 1),
                "server_cpu_per_request": round(api_cpu / len(api_t), 6),
                "baseline_server_cpu_per_request": round(bare_cpu / len(bare_t), 6),
                "goal": "p95 <= 0.050 s and <= 5x baseline",
                "met": p95 <= 0.050 and p95 <= 5 * b95,
                "errors": api_err + bare_err,
            },
        ],
    )


if __name__ == "__main__":
    main()
