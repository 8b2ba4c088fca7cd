"""Load benchmark of ``pyotp-rs serve`` against the same endpoints on real pyotp 2.12.0 (the seed apps' way).

Usage (from the repository root, after a release build)::

    .venv/bin/maturin develop --release -q
    .venv/bin/python benches/service.py [--workers 2] [--clients 2] [--quick] [--json]
                                        [--sizes 10,1000,10000] [--max-requests N]

In one run it starts ``pyotp-rs serve`` (SQLite, the default engine) and, with the same gunicorn
worker count, the peer in ``benches/pyotp_service.py``: TOTPHog's JSON-file store read on every
request and the team Flask app, on pyotp 2.12.0. Both hold the same tokens. Every request goes to
loopback; each row sends a bounded number of requests (and stops after a time cap), from
``--clients`` client processes each waiting for its answer before the next request.

Rows: ``GET /api/v1/codes`` with 10, 1,000 and 10,000 tokens, then with 1,000 tokens
``GET /api/v1/tokens/{id}/code``, ``POST /api/v1/tokens/{id}/verify`` (the current code: accepted
once, then ``replayed``) and ``GET /get-totp/<user>``. Targets (issue 12): ``/codes`` with 1,000
tokens at least 5x the peer's requests/s and under 20 ms p99; its cost per token flat from 1,000 to
10,000 tokens (at most 1.25x). Other ``--sizes`` move the single-token rows and the targets to the
second size and the flatness check to the second and last (``--sizes 3,6,12 --max-requests 8`` is
the smoke run of the tests). Every measured answer must be a 200, or the script stops with an error:
a row of 401s or 404s would measure nothing.
"""

from __future__ import annotations

import argparse
import base64
import importlib.metadata
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyotp
import requests
from loadgen import Result, measure
from pyotp_rs.server.config import KEY_ENV, ServiceConfig
from pyotp_rs.server.keys import new_key
from pyotp_rs.server.service import TokenFields, open_service

HERE = Path(__file__).resolve().parent
PYOTP_RS = str(Path(sys.executable).with_name("pyotp-rs"))
LISTENING = re.compile(r"listening on (http://\S+)")
TARGET_RATIO = 5.0
TARGET_P99_MS = 20.0
FLAT_FACTOR = 1.25
SIZES = (10, 1_000, 10_000)
SECRET_ALICE = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass(frozen=True)
class Row:
    """One endpoint measured on both services."""

    endpoint: str
    tokens: int
    pyotp_rs: Result
    pyotp: Result

    @property
    def ratio(self) -> float:
        """Requests/s of pyotp-rs over the peer's."""
        return self.pyotp_rs.per_second / self.pyotp.per_second


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, process: subprocess.Popen[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with status {process.returncode}")
        try:
            requests.get(url, timeout=(2, 60))
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def start_pyotp_rs(directory: Path, workers: int, key: str) -> tuple[subprocess.Popen[str], str]:
    """``pyotp-rs serve`` on a free loopback port with its database in ``directory``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYOTP_RS_")}
    env[KEY_ENV] = key
    process = subprocess.Popen(
        [
            PYOTP_RS,
            "serve",
            "--port",
            "0",
            "--workers",
            str(workers),
            "--db",
            str(directory / "bench.sqlite3"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = LISTENING.search(line)
        if match:
            return process, match.group(1)
    raise RuntimeError(f"pyotp-rs serve exited with status {process.wait()}")


def start_pyotp(directory: Path, workers: int) -> tuple[subprocess.Popen[str], str]:
    """The peer under gunicorn with the same worker count."""
    port = _free_port()
    factory = (
        f"pyotp_service:create_app({str(directory / 'tokens.json')!r}, {str(directory / 'users.json')!r})"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
        + ["--log-level", "warning", "--chdir", str(HERE), factory],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_http(url + "/api/v1/codes", process)
    return process, url


def stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM by PID (gunicorn stops its workers), SIGKILL if it does not exit."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def new_tokens(count: int) -> list[dict[str, Any]]:
    """``count`` TOTPHog tokens with fresh 160-bit secrets (SHA1, 6 digits, 30 s, as most accounts are)."""
    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    return [
        {
            "id": str(uuid.uuid4()),
            "name": f"user{i}@example.com",
            "secret": base64.b32encode(secrets.token_bytes(20)).decode(),
            "issuer": "Bench",
            "digits": 6,
            "period": 30,
            "algorithm": "sha1",
            "created_at": created,
        }
        for i in range(count)
    ]


class Services:
    """Both services, holding the same tokens; ``grow`` adds tokens to both."""

    def __init__(self, directory: Path, workers: int) -> None:
        self.directory = directory
        self.tokens: list[dict[str, Any]] = []
        self.ids: dict[str, str] = {}
        """Token id in the peer's file -> the id pyotp-rs gave the same token."""
        (directory / "tokens.json").write_text("{}")
        (directory / "users.json").write_text(json.dumps({"alice": SECRET_ALICE}))
        key = new_key()
        self.processes: list[subprocess.Popen[str]] = []
        ours, self.pyotp_rs_url = start_pyotp_rs(directory, workers, key)
        self.processes.append(ours)
        peer, self.pyotp_url = start_pyotp(directory, workers)
        self.processes.append(peer)
        # Tokens are added through the service's own API, in one transaction per batch: over HTTP, 10,000
        # creations would each wait for their own commit.
        config = ServiceConfig.from_options(db=str(directory / "bench.sqlite3"), environ={KEY_ENV: key})
        self.service = open_service(config)
        with requests.Session() as session:
            session.post(
                self.pyotp_rs_url + "/setup", json={"username": "alice", "secret": SECRET_ALICE}, timeout=30
            ).raise_for_status()

    def grow(self, total: int) -> None:
        """Adds tokens until both services hold ``total``."""
        added = new_tokens(total - len(self.tokens))
        fields = [
            TokenFields(
                name=token["name"],
                secret=token["secret"],
                issuer=token["issuer"],
                digits=token["digits"],
                period=token["period"],
                algorithm=token["algorithm"],
            )
            for token in added
        ]
        for token, created in zip(added, self.service.create_tokens(fields)):
            self.ids[token["id"]] = created.id
        self.tokens += added
        temporary = self.directory / "tokens.json.tmp"
        temporary.write_text(json.dumps({token["id"]: token for token in self.tokens}))
        os.replace(temporary, self.directory / "tokens.json")

    def close(self) -> None:
        """Stops both services by PID."""
        for process in self.processes:
            stop(process)
        self.service.store.dispose()


def compare(
    services: Services,
    endpoint: str,
    paths: tuple[str, str],
    body: bytes | None,
    budget: tuple[int, float],
    clients: int,
) -> Row:
    """Measures one endpoint on both services with the same request budget, after a few unmeasured requests.

    The unmeasured requests reach every worker (so pyotp-rs workers have read the tokens that ``grow``
    just added, as a running service has) and warm the peer's file cache alike.
    """
    method = "POST" if body is not None else "GET"
    requests_, seconds = budget
    results = []
    for url, path in ((services.pyotp_rs_url, paths[0]), (services.pyotp_url, paths[1])):
        measure(url, method, path, body=body, requests=4 * clients, clients=clients, max_seconds=seconds)
        result = measure(
            url, method, path, body=body, requests=requests_, clients=clients, max_seconds=seconds
        )
        if set(result.statuses) != {200}:
            raise RuntimeError(f"{method} {url}{path} answered {result.statuses}, not only 200")
        results.append(result)
    return Row(endpoint=endpoint, tokens=len(services.tokens), pyotp_rs=results[0], pyotp=results[1])


def run(
    workers: int, clients: int, quick: bool, sizes: tuple[int, ...], max_requests: int | None
) -> list[Row]:
    """Every row of the table: ``/codes`` at each size, the single-token rows at the second size."""
    scale = 0.1 if quick else 1.0

    def budget(count: int, seconds: float) -> tuple[int, float]:
        requests_ = max(clients * 4, int(count * scale))
        return min(requests_, max_requests or requests_), seconds * scale

    rows: list[Row] = []
    directory = Path(tempfile.mkdtemp(prefix="pyotp-rs-bench-"))
    services = Services(directory, workers)
    try:
        for size in sizes:
            services.grow(size)
            codes_budget = budget(max(60, 400_000 // size), 30)
            rows.append(
                compare(services, "GET /api/v1/codes", ("/api/v1/codes",) * 2, None, codes_budget, clients)
            )
            if size != sizes[1]:
                continue
            token = services.tokens[size // 2]
            ours = services.ids[token["id"]]
            single = budget(3000, 20)
            rows.append(
                compare(
                    services,
                    "GET /api/v1/tokens/{id}/code",
                    (f"/api/v1/tokens/{ours}/code", f"/api/v1/tokens/{token['id']}/code"),
                    None,
                    single,
                    clients,
                )
            )
            code = pyotp.TOTP(token["secret"]).now()
            rows.append(
                compare(
                    services,
                    "POST /api/v1/tokens/{id}/verify",
                    (f"/api/v1/tokens/{ours}/verify", f"/api/v1/tokens/{token['id']}/verify"),
                    json.dumps({"code": code}).encode(),
                    single,
                    clients,
                )
            )
            rows.append(
                compare(services, "GET /get-totp/<user>", ("/get-totp/alice",) * 2, None, single, clients)
            )
    finally:
        services.close()
        shutil.rmtree(directory, ignore_errors=True)
    return rows


def checks(rows: list[Row], sizes: tuple[int, ...]) -> list[tuple[str, bool, str]]:
    """The issue's targets (at the second and last of ``sizes``), each with whether it holds and the value."""
    codes = {row.tokens: row for row in rows if row.endpoint == "GET /api/v1/codes"}
    middle, large = codes[sizes[1]], codes[sizes[-1]]
    per_token_middle = middle.pyotp_rs.seconds / middle.pyotp_rs.requests / sizes[1]
    per_token_large = large.pyotp_rs.seconds / large.pyotp_rs.requests / sizes[-1]
    flat = per_token_large / per_token_middle
    return [
        (
            f"/codes x{sizes[1]:,}: >= {TARGET_RATIO:g}x the peer's requests/s",
            middle.ratio >= TARGET_RATIO,
            f"{middle.ratio:.1f}x",
        ),
        (
            f"/codes x{sizes[1]:,}: p99 < {TARGET_P99_MS:g} ms",
            middle.pyotp_rs.p99_ms < TARGET_P99_MS,
            f"{middle.pyotp_rs.p99_ms:.1f} ms",
        ),
        (
            f"/codes: cost per token at {sizes[-1]:,} / at {sizes[1]:,} <= {FLAT_FACTOR:g}",
            flat <= FLAT_FACTOR,
            f"{1e6 * per_token_middle:.1f} -> {1e6 * per_token_large:.1f} us/token ({flat:.2f})",
        ),
    ]


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of token counts: {text!r}") from None
    if len(sizes) < 2 or sizes[0] < 1 or list(sizes) != sorted(set(sizes)):
        raise argparse.ArgumentTypeError(f"at least two increasing token counts, from 1: {text!r}")
    return sizes


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.machine()
    return next(
        (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.machine()
    )


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "pyotp": importlib.metadata.version("pyotp"),
        "pyotp_rs": importlib.metadata.version("pyotp-rs"),
        "gunicorn": importlib.metadata.version("gunicorn"),
        "load_average": os.getloadavg(),
    }


def table(rows: list[Row], workers: int, clients: int) -> str:
    """The Markdown table of the README."""
    lines = [
        f"{workers} gunicorn workers each, {clients} client processes, loopback, SQLite for pyotp-rs.",
        "",
        "| endpoint | tokens | pyotp-rs req/s | p50 / p99 ms | pyotp 2.12 peer req/s | p50 / p99 ms | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        ours, peer = row.pyotp_rs, row.pyotp
        lines.append(
            f"| `{row.endpoint}` | {row.tokens:,} | {ours.per_second:,.1f} | {ours.p50_ms:.1f} / {ours.p99_ms:.1f} "
            f"| {peer.per_second:,.1f} | {peer.p50_ms:.1f} / {peer.p99_ms:.1f} | {row.ratio:.1f}x |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workers", type=_positive, default=2, help="gunicorn workers of each service (default 2)"
    )
    parser.add_argument("--clients", type=_positive, default=2, help="client processes (default 2)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the requests and time (a smoke run)")
    parser.add_argument(
        "--sizes", type=_sizes, default=SIZES, help="token counts of the /codes rows (default 10,1000,10000)"
    )
    parser.add_argument("--max-requests", type=_positive, help="at most this many measured requests per row")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args()
    rows = run(args.workers, args.clients, args.quick, args.sizes, args.max_requests)
    results = checks(rows, args.sizes)
    if args.json:
        print(
            json.dumps(
                {
                    "machine": machine(),
                    "settings": {
                        "workers": args.workers,
                        "clients": args.clients,
                        "quick": args.quick,
                        "sizes": args.sizes,
                        "max_requests": args.max_requests,
                    },
                    "rows": [
                        {
                            "endpoint": r.endpoint,
                            "tokens": r.tokens,
                            "pyotp_rs": asdict(r.pyotp_rs),
                            "pyotp": asdict(r.pyotp),
                            "ratio": r.ratio,
                        }
                        for r in rows
                    ],
                    "targets": [{"target": t, "pass": ok, "measured": m} for t, ok, m in results],
                },
                indent=2,
            )
        )
    else:
        print(table(rows, args.workers, args.clients))
        print()
        for target, ok, measured in results:
            print(f"{'pass' if ok else 'MISS'}  {target}: {measured}")
        print(f"machine: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
