"""A bounded HTTP load generator for ``benches/service.py``: client processes, loopback only.

``measure(url, method, path, ...)`` starts ``clients`` processes that together send at most
``requests`` requests (and stop after ``max_seconds`` whatever the count), each on a fresh
``http.client`` connection as gunicorn's sync workers close theirs. It returns requests per second
over the whole run and the latency percentiles of every request, as each client saw it.
"""

from __future__ import annotations

import http.client
import multiprocessing
import statistics
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Result:
    """One measured endpoint: throughput, latency percentiles (ms) and the statuses seen."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        """Completed requests per second of wall time."""
        return self.requests / self.seconds


def _client(
    host: str,
    port: int,
    request: tuple[str, str, bytes | None],
    count: int,
    stop_at: float,
    start: Any,
    out: Any,
) -> None:
    method, path, body = request
    headers = {"Content-Type": "application/json"} if body is not None else {}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start.wait()
    began = time.monotonic()
    for _ in range(count):
        if time.monotonic() > stop_at:
            break
        sent = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=60)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        latencies.append(time.perf_counter() - sent)
        statuses[response.status] = statuses.get(response.status, 0) + 1
    out.put((began, time.monotonic(), latencies, statuses))


def measure(
    url: str,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    requests: int,
    clients: int,
    max_seconds: float,
) -> Result:
    """Sends up to ``requests`` requests from ``clients`` processes and measures them."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 80
    if host not in LOOPBACK:
        raise ValueError(f"the load generator only targets loopback, not {host!r}")
    context = multiprocessing.get_context("fork")
    start, out = context.Event(), context.Queue()
    share = -(-requests // clients)
    stop_at = time.monotonic() + max_seconds
    processes = [
        context.Process(target=_client, args=(host, port, (method, path, body), share, stop_at, start, out))
        for _ in range(clients)
    ]
    for process in processes:
        process.start()
    start.set()
    reports = [out.get(timeout=max_seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    latencies = sorted(latency for report in reports for latency in report[2])
    statuses: dict[int, int] = {}
    for report in reports:
        for status, count in report[3].items():
            statuses[status] = statuses.get(status, 0) + count
    seconds = max(report[1] for report in reports) - min(report[0] for report in reports)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Result(
        requests=len(latencies),
        seconds=seconds,
        p50_ms=1000 * cuts[49],
        p99_ms=1000 * cuts[98],
        statuses=statuses,
    )
