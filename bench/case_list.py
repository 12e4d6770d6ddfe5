"""Benchmark: GET /api/v1/cases (first page, as a district supervisor) with 16 concurrent clients.

A real server process (gunicorn, 2 workers × 4 threads, on 127.0.0.1) serves both the API and
the baseline — bench/baseline.py, one raw SQL query answering the same page — in the same run.
Each of the 16 clients keeps one connection open and sends its requests back to back; the
latency of every request is recorded, and p50/p95 are reported for both endpoints.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

from bench import common

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))  # per client and endpoint
PORT = int(os.environ.get("BENCH_PORT", "8765"))


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _hammer(path: str, headers: dict[str, str], count: int) -> tuple[list[float], int]:
    timings: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        mine = []
        start.wait()
        for _ in range(count):
            t = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            mine.append(time.perf_counter() - t)
            if response.status != 200 or not json.loads(body)["items"]:
                errors[0] += 1
        conn.close()
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, errors[0]


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
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "false"}
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "fazhi.wsgi:application",
            f"--bind=127.0.0.1:{PORT}",
            "--workers=2",
            "--threads=4",
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
        for url, headers in (api, bare):  # warm both workers and their connections
            _hammer(url, headers, 3)
        api_t, api_err = _hammer(*api, REQUESTS)
        bare_t, bare_err = _hammer(*bare, REQUESTS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if api_err or bare_err:
        print(f"errors: api {api_err}, baseline {bare_err}")
    p95, b95 = common.percentile(api_t, 0.95), common.percentile(bare_t, 0.95)
    print(
        f"case list, {CLIENTS} clients × {REQUESTS} requests, {common.CASES:,} cases "
        f"({common.engine()})"
    )
    common.write_results(
        "case_list",
        [
            {
                "name": "case list API p50",
                "value": common.percentile(api_t, 0.50),
                "baseline": common.percentile(bare_t, 0.50),
                "clients": CLIENTS,
            },
            {
                "name": "case list API p95",
                "value": p95,
                "baseline": b95,
                "clients": CLIENTS,
                "goal": "p95 <= 0.050 s and <= 5x baseline",
                "met": p95 <= 0.050 and p95 <= 5 * b95,
                "errors": api_err + bare_err,
            },
        ],
    )


if __name__ == "__main__":
    main()
