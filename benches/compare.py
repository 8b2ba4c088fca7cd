"""Time pyotp_rs against pyotp 2.12.0 and its peers side by side, in one process, and check the targets.

Usage (from the repository root, after a release build)::

    .venv/bin/maturin develop --release -q
    cargo bench --bench hotp          # optional: the raw Rust HOTP floor
    .venv/bin/python benches/compare.py [--json] [--quick]

Each operation is a ``timeit`` statement (no wrapper function, so the numbers are the
operation's own cost on both sides); the loop count is chosen so that one
repeat lasts at least ``--min-time`` seconds, pyotp and pyotp_rs repeats are
interleaved (so machine noise hits both alike), and the median over
``--repeat`` repeats is reported in nanoseconds per operation. Many short
repeats keep the ratios steady on a busy machine even when absolute times move. The ratio is
pyotp / pyotp_rs: how many times faster pyotp_rs is.

The floor is what no binding can beat: a near-empty PyO3 method call
(``totp.timecode(t)``: one positional int, a float division, an int back)
plus the raw Rust HOTP from the criterion bench (``benches/hotp.rs``).

A second table times the calls that the peers share, in the same way: ``totp-rs`` (a Rust
extension with a functional API, the target to beat on every row) and, for context, the
pure-Python ``otpauth``, ``mintotp``, ``onetimepass``, ``passlib.totp`` and pyotp. A one-shot call
builds from the base32 secret and takes one code, as a server does per request; a prepared
call reuses an object (or, for totp-rs, the raw key bytes).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import peers
import pyotp
import pyotp_rs
import qrcode
import qrcode.image.svg
from timing import FOR_TIME, SECRET, Op, Timer, fmt_ns, grid, op, status

COUNTER = 12_345
NAME = "alice@example.com"
ISSUER = "Example Co"
ROOT = Path(__file__).resolve().parent.parent

# Speed targets of issue 4, as minimum ratios pyotp / pyotp_rs, for the operations the issue
# measured (TOTP with SHA1); the other rows are reported, and at() rows checked against the floor.
TARGET_CONSTRUCTION = 10.0
TARGET_AT = 30.0
TARGET_VERIFY_1 = 40.0
TARGET_URI = 20.0
TARGET_PARSE_URI = 25.0  # issue 27
TARGET_RANDOM = 100.0
TARGET_QR_PNG = 100.0
# at() may cost at most this many times (method-call floor + raw Rust HOTP).
FLOOR_FACTOR = 1.5


@dataclasses.dataclass
class Case:
    """One operation timed on both libraries; a ``None`` statement is reported as not available."""

    name: str
    pyotp: Op
    pyotp_rs: Op | None
    target: float | None = None
    algorithm: str | None = None
    missing: str = ""


def qr_cases(uri: str) -> list[Case]:
    """QR PNG and SVG: qrcode (+ Pillow for PNG) against ``pyotp_rs.qr``, when it is built."""

    def qrcode_png() -> bytes:
        buffer = io.BytesIO()
        qrcode.make(uri).save(buffer, format="PNG")
        return buffer.getvalue()

    def qrcode_svg() -> bytes:
        return qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage).to_string()

    try:
        from pyotp_rs import qr  # type: ignore[attr-defined]
    except ImportError:
        missing = "n/a (pyotp_rs.qr not built)"
        return [
            Case(
                "QR PNG",
                op("png()", png=qrcode_png),
                None,
                TARGET_QR_PNG,
                missing=missing,
            ),
            Case("QR SVG", op("svg()", svg=qrcode_svg), None, missing=missing),
        ]
    return [
        Case(
            "QR PNG",
            op("png()", png=qrcode_png),
            op("qr.make(uri).png()", qr=qr, uri=uri),
            TARGET_QR_PNG,
        ),
        Case(
            "QR SVG",
            op("svg()", svg=qrcode_svg),
            op("qr.make(uri).svg()", qr=qr, uri=uri),
        ),
    ]


def cases() -> list[Case]:
    """The compared operations, after checking that both libraries give the same answers."""
    py_totp = pyotp.TOTP(SECRET)
    rs_totp = pyotp_rs.TOTP(SECRET)
    py_hotp = pyotp.HOTP(SECRET)
    rs_hotp = pyotp_rs.HOTP(SECRET)
    code = py_totp.at(FOR_TIME)
    uri = py_totp.provisioning_uri(name=NAME, issuer_name=ISSUER)

    assert rs_totp.at(FOR_TIME) == code
    assert rs_hotp.at(COUNTER) == py_hotp.at(COUNTER)
    assert rs_totp.provisioning_uri(name=NAME, issuer_name=ISSUER) == uri
    assert rs_totp.verify(code, for_time=FOR_TIME, valid_window=1) is True
    assert pyotp_rs.parse_uri(uri).at(FOR_TIME) == code

    out = [
        Case(
            "TOTP(s) construction",
            op("TOTP(s)", TOTP=pyotp.TOTP, s=SECRET),
            op("TOTP(s)", TOTP=pyotp_rs.TOTP, s=SECRET),
            TARGET_CONSTRUCTION,
        ),
        Case(
            "TOTP.at",
            op("t.at(f)", t=py_totp, f=FOR_TIME),
            op("t.at(f)", t=rs_totp, f=FOR_TIME),
            TARGET_AT,
            "sha1",
        ),
        Case("TOTP.now", op("t.now()", t=py_totp), op("t.now()", t=rs_totp), TARGET_AT),
    ]
    for window in (0, 1, 3):
        out.append(
            Case(
                f"TOTP.verify(window={window})",
                op(
                    "t.verify(c, for_time=f, valid_window=w)",
                    t=py_totp,
                    c=code,
                    f=FOR_TIME,
                    w=window,
                ),
                op(
                    "t.verify(c, for_time=f, valid_window=w)",
                    t=rs_totp,
                    c=code,
                    f=FOR_TIME,
                    w=window,
                ),
                TARGET_VERIFY_1 if window == 1 else None,
            )
        )
    out.append(
        Case(
            "HOTP.at",
            op("h.at(n)", h=py_hotp, n=COUNTER),
            op("h.at(n)", h=rs_hotp, n=COUNTER),
            algorithm="sha1",
        )
    )
    for digest in ("sha256", "sha512"):
        py_obj = pyotp.TOTP(SECRET, digest=getattr(hashlib, digest))
        rs_obj = pyotp_rs.TOTP(SECRET, digest=getattr(hashlib, digest))
        assert rs_obj.at(FOR_TIME) == py_obj.at(FOR_TIME)
        out.append(
            Case(
                f"TOTP.at {digest.upper()}",
                op("t.at(f)", t=py_obj, f=FOR_TIME),
                op("t.at(f)", t=rs_obj, f=FOR_TIME),
                algorithm=digest,
            )
        )
    out += [
        Case(
            "provisioning_uri",
            op("t.provisioning_uri(name=n, issuer_name=i)", t=py_totp, n=NAME, i=ISSUER),
            op("t.provisioning_uri(name=n, issuer_name=i)", t=rs_totp, n=NAME, i=ISSUER),
            TARGET_URI,
        ),
        Case(
            "parse_uri",
            op("parse_uri(u)", parse_uri=pyotp.parse_uri, u=uri),
            op("parse_uri(u)", parse_uri=pyotp_rs.parse_uri, u=uri),
            TARGET_PARSE_URI,
        ),
        Case(
            "random_base32",
            op("random_base32()", random_base32=pyotp.random_base32),
            op("random_base32()", random_base32=pyotp_rs.random_base32),
            TARGET_RANDOM,
        ),
    ]
    return out + qr_cases(uri)


def criterion_ns(algorithm: str) -> float | None:
    """Median ns of ``hotp_value_at/<algorithm>`` from the last ``cargo bench --bench hotp``, if any."""
    path = ROOT / "target" / "criterion" / "hotp_value_at" / algorithm / "new" / "estimates.json"
    try:
        return float(json.loads(path.read_text())["median"]["point_estimate"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def method_call() -> Op:
    """The floor's near-empty PyO3 method call: ``totp.timecode(t)``, shaped like ``totp.at(t)``."""
    return op("t.timecode(f)", t=pyotp_rs.TOTP(SECRET), f=FOR_TIME)


def floor(timer: Timer) -> dict[str, Any]:
    """The cost of calling into the extension at all, and of the raw Rust HOTP."""
    totp = pyotp_rs.TOTP(SECRET)
    method, getter, builtin = timer.measure(
        [method_call(), op("t.digits", t=totp), op("one.bit_length()", one=1)]
    )
    return {
        "pyo3_method_ns": method,
        "pyo3_getter_ns": getter,
        "cpython_builtin_method_ns": builtin,
        "rust_hotp_ns": {alg: criterion_ns(alg) for alg in ("sha1", "sha256", "sha512")},
    }


def run(timer: Timer) -> dict[str, Any]:
    """Times every case and the floor; returns the machine-readable report."""
    base = floor(timer)
    rows = []
    for case in cases():
        row: dict[str, Any] = {"name": case.name, "target_ratio": case.target}
        if case.pyotp_rs is None:
            (row["pyotp_ns"],) = timer.measure([case.pyotp])
            row.update(pyotp_rs_ns=None, ratio=None, status=case.missing)
            rows.append(row)
            continue
        raw = base["rust_hotp_ns"].get(case.algorithm or "")
        if raw is None:
            row["pyotp_ns"], row["pyotp_rs_ns"] = timer.measure([case.pyotp, case.pyotp_rs])
        else:
            # The method call is timed with the row, so that both see the same machine load.
            row["pyotp_ns"], row["pyotp_rs_ns"], call = timer.measure(
                [case.pyotp, case.pyotp_rs, method_call()]
            )
            row["floor_ns"] = call + raw
            row["floor_multiple"] = row["pyotp_rs_ns"] / row["floor_ns"]
        row["ratio"] = row["pyotp_ns"] / row["pyotp_rs_ns"]
        checks = []
        if case.target is not None:
            checks.append(row["ratio"] >= case.target)
        if "floor_multiple" in row:
            checks.append(row["floor_multiple"] <= FLOOR_FACTOR)
        row["status"] = status(all(checks)) if checks else ""
        rows.append(row)
    return {
        "machine": {
            "cpu": cpu_model(),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "pyotp": importlib.metadata.version("pyotp"),
            "pyotp_rs": pyotp_rs.__version__,
            "pyotp_rs_extension": pyotp_rs._pyotp_rs.__file__,
            "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        },
        "settings": {
            "min_time_s": timer.min_time,
            "repeat": timer.repeat,
            "clock": "process CPU time" if timer.clock is time.process_time else "wall time",
        },
        "floor": base,
        "rows": rows,
        "peers": peers.run_peers(timer),
        "one_shot_floor": peers.one_shot_floor(timer),
        "peer_versions": peers.versions(),
    }


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, or what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def table(report: dict[str, Any]) -> str:
    """The human-readable report: the comparison table, then the floor."""
    head = (
        "operation",
        "pyotp ns/op",
        "pyotp_rs ns/op",
        "ratio",
        "target",
        "floor x",
        "status",
    )
    lines = []
    for row in report["rows"]:
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:,.1f}x"
        target = "-" if row["target_ratio"] is None else f">={row['target_ratio']:g}x"
        multiple = f"{row['floor_multiple']:.2f}" if "floor_multiple" in row else "-"
        pyotp_rs_ns = fmt_ns(row["pyotp_rs_ns"]) if row["pyotp_rs_ns"] is not None else row["status"]
        status_text = "" if row["pyotp_rs_ns"] is None else row["status"]
        lines.append(
            (
                row["name"],
                fmt_ns(row["pyotp_ns"]),
                pyotp_rs_ns,
                ratio,
                target,
                multiple,
                status_text,
            )
        )
    out = grid(head, lines)

    base = report["floor"]
    machine = report["machine"]
    load = "n/a" if machine["load_average"] is None else f"{machine['load_average']:.1f}"
    out += [
        "",
        (
            f"floor: PyO3 method call totp.timecode(t) {base['pyo3_method_ns']:.0f} ns,"
            f" PyO3 getter totp.digits {base['pyo3_getter_ns']:.0f} ns,"
            f" CPython builtin (1).bit_length() {base['cpython_builtin_method_ns']:.0f} ns"
        ),
    ]
    raw = base["rust_hotp_ns"]
    if all(v is None for v in raw.values()):
        out.append("raw Rust HOTP: no criterion results; run `cargo bench --bench hotp` first")
    else:
        out.append(
            "raw Rust HOTP (criterion, keyed state reused): "
            + ", ".join(f"{k} {fmt_ns(v)} ns" for k, v in raw.items())
        )
    out += [
        f"floor x = pyotp_rs ns / (method call timed with the row + raw HOTP); target <= {FLOOR_FACTOR}",
        (
            f"{machine['cpu']}, {machine['implementation']} {machine['python']}, pyotp {machine['pyotp']},"
            f" pyotp_rs {machine['pyotp_rs']}; median of {report['settings']['repeat']} repeats"
            f" of >= {report['settings']['min_time_s']} s of {report['settings']['clock']}; load average {load}"
        ),
    ]
    return "\n".join(out + ["", peers.peer_table(report)])


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (noisy numbers)")
    parser.add_argument("--repeat", type=int, help="repeats per operation (default 21, quick 3)")
    parser.add_argument("--min-time", type=float, help="seconds per repeat (default 0.03, quick 0.002)")
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time the process's CPU time instead of wall time (steadier on a machine that other work keeps busy)",
    )
    args = parser.parse_args(argv)
    timer = Timer(
        min_time=args.min_time or (0.002 if args.quick else 0.03),
        repeat=args.repeat or (3 if args.quick else 21),
        clock=time.process_time if args.cpu_time else time.perf_counter,
    )
    report = run(timer)
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
