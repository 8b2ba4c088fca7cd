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
import base64
import dataclasses
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import statistics
import sys
import timeit
from pathlib import Path
from typing import Any

import mintotp
import onetimepass
import otpauth
import passlib.totp
import pyotp
import pyotp_rs
import qrcode
import qrcode.image.svg
import totp_rs

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FOR_TIME = 1_700_000_000
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
TARGET_RANDOM = 100.0
TARGET_QR_PNG = 100.0
# at() may cost at most this many times (method-call floor + raw Rust HOTP).
FLOOR_FACTOR = 1.5


@dataclasses.dataclass
class Op:
    """One timed statement and the names it uses."""

    stmt: str
    names: dict[str, Any]


def op(stmt: str, **names: Any) -> Op:
    """A statement for ``timeit``, compiled into its loop, with the objects it refers to."""
    return Op(stmt, names)


@dataclasses.dataclass
class Case:
    """One operation timed on both libraries; a ``None`` statement is reported as not available."""

    name: str
    pyotp: Op
    pyotp_rs: Op | None
    target: float | None = None
    algorithm: str | None = None
    missing: str = ""


@dataclasses.dataclass
class Timer:
    """How long to time: minimum seconds per repeat and the number of repeats."""

    min_time: float
    repeat: int

    def loops(self, timer: timeit.Timer) -> int:
        """The loop count (1, 2, 5, 10, 20, ...) whose total time reaches ``min_time``."""
        number = 1
        while True:
            for factor in (1, 2, 5):
                if timer.timeit(number * factor) >= self.min_time:
                    return number * factor
            number *= 10

    def measure(self, ops: list[Op]) -> list[float]:
        """Median ns/op of each statement, with their repeats interleaved."""
        compiled = [timeit.Timer(o.stmt, globals=o.names) for o in ops]
        timers = [(timer, self.loops(timer)) for timer in compiled]
        samples: list[list[float]] = [[] for _ in ops]
        for _ in range(self.repeat):
            for (timer, number), out in zip(timers, samples):
                out.append(timer.timeit(number) / number * 1e9)
        return [statistics.median(s) for s in samples]


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
            TARGET_URI,
        ),
        Case(
            "random_base32",
            op("random_base32()", random_base32=pyotp.random_base32),
            op("random_base32()", random_base32=pyotp_rs.random_base32),
            TARGET_RANDOM,
        ),
    ]
    return out + qr_cases(uri)


PEERS = (
    "pyotp_rs",
    "totp-rs",
    "pyotp",
    "otpauth",
    "mintotp",
    "onetimepass",
    "passlib.totp",
)


@dataclasses.dataclass
class PeerRow:
    """One operation as each peer spells it (None: the peer has no such call).

    ``expect`` is the answer every peer must give before timing; ``target`` whether
    pyotp_rs must be at least as fast as totp-rs on this row.
    """

    name: str
    ops: dict[str, Op | None]
    expect: object
    target: bool = True


def peer_rows() -> list[PeerRow]:
    """The calls the peers share: one-shot and prepared codes, now, and verify with window 1."""
    key = base64.b32decode(SECRET)
    code = pyotp.TOTP(SECRET).at(FOR_TIME)
    previous = pyotp.TOTP(SECRET).at(FOR_TIME - 30)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    rows = []
    for alg in ("sha1", "sha256", "sha512"):
        digest = getattr(hashlib, alg)
        rows.append(
            PeerRow(
                f"one-shot at {alg.upper()}",
                {
                    "pyotp_rs": op(
                        "TOTP(s, digest=d).at(f)",
                        TOTP=pyotp_rs.TOTP,
                        s=SECRET,
                        d=digest,
                        f=FOR_TIME,
                    ),
                    "totp-rs": op(
                        "gen(s, algorithm=a, time=f)",
                        gen=totp_rs.totp_generate,
                        s=SECRET,
                        a=alg,
                        f=FOR_TIME,
                    ),
                    "pyotp": op(
                        "TOTP(s, digest=d).at(f)",
                        TOTP=pyotp.TOTP,
                        s=SECRET,
                        d=digest,
                        f=FOR_TIME,
                    ),
                    "otpauth": op(
                        "str(TOTP.from_b32encode(s, algorithm=a).generate(f)).zfill(6)",
                        TOTP=otpauth.TOTP,
                        s=SECRET,
                        a=alg.upper(),
                        f=FOR_TIME,
                    ),
                    "mintotp": None,
                    # onetimepass truncates as if every MAC were 20 bytes: SHA1 only.
                    "onetimepass": op(
                        "get(s, as_string=True, clock=f).decode()",
                        get=onetimepass.get_totp,
                        s=SECRET,
                        f=FOR_TIME,
                    )
                    if alg == "sha1"
                    else None,
                    "passlib.totp": op(
                        "TOTP(key=s, format='base32', alg=a).generate(f).token",
                        TOTP=passlib.totp.TOTP,
                        s=SECRET,
                        a=alg,
                        f=FOR_TIME,
                    ),
                },
                pyotp.TOTP(SECRET, digest=digest).at(FOR_TIME),
            )
        )
        rows.append(
            one_shot_function(
                rows[-1],
                op("code(s, f, digest=d)", code=pyotp_rs.totp_code, s=SECRET, f=FOR_TIME, d=digest),
            )
        )
    rows.append(
        PeerRow(
            "one-shot now",
            {
                "pyotp_rs": op("TOTP(s).now()", TOTP=pyotp_rs.TOTP, s=SECRET),
                "totp-rs": op("gen(s)", gen=totp_rs.totp_generate, s=SECRET),
                "pyotp": op("TOTP(s).now()", TOTP=pyotp.TOTP, s=SECRET),
                "otpauth": op(
                    "str(TOTP.from_b32encode(s).generate()).zfill(6)",
                    TOTP=otpauth.TOTP,
                    s=SECRET,
                ),
                "mintotp": op("totp(s)", totp=mintotp.totp, s=SECRET),
                "onetimepass": op(
                    "get(s, as_string=True).decode()",
                    get=onetimepass.get_totp,
                    s=SECRET,
                ),
                "passlib.totp": op(
                    "TOTP(key=s, format='base32').generate().token",
                    TOTP=passlib.totp.TOTP,
                    s=SECRET,
                ),
            },
            None,
        )
    )
    rows.append(one_shot_function(rows[-1], op("code(s)", code=pyotp_rs.totp_code, s=SECRET)))
    prepared_otpauth = otpauth.TOTP(key)
    prepared_passlib = passlib.totp.TOTP(key=SECRET, format="base32")
    rows.append(
        PeerRow(
            "prepared at SHA1",
            {
                "pyotp_rs": op("t.at(f)", t=pyotp_rs.TOTP(SECRET), f=FOR_TIME),
                "totp-rs": op("gen(k, time=f)", gen=totp_rs.totp_generate, k=key, f=FOR_TIME),
                "pyotp": op("t.at(f)", t=pyotp.TOTP(SECRET), f=FOR_TIME),
                "otpauth": op("str(t.generate(f)).zfill(6)", t=prepared_otpauth, f=FOR_TIME),
                "mintotp": None,
                "onetimepass": None,
                "passlib.totp": op("t.generate(f).token", t=prepared_passlib, f=FOR_TIME),
            },
            code,
        )
    )
    for label, given, expect in (
        ("current", code, True),
        ("previous", previous, True),
        ("wrong", wrong, False),
    ):
        rows.append(
            PeerRow(
                f"verify window=1, {label} code",
                {
                    "pyotp_rs": op(
                        "t.verify(c, for_time=f, valid_window=1)",
                        t=pyotp_rs.TOTP(SECRET),
                        c=given,
                        f=FOR_TIME,
                    ),
                    "totp-rs": op(
                        "check(k, c, time=f, window=1)",
                        check=totp_rs.totp_verify,
                        k=key,
                        c=given,
                        f=FOR_TIME,
                    ),
                    "pyotp": op(
                        "t.verify(c, for_time=f, valid_window=1)",
                        t=pyotp.TOTP(SECRET),
                        c=given,
                        f=FOR_TIME,
                    ),
                    "otpauth": None,
                    "mintotp": None,
                    "onetimepass": op(
                        "valid(c, s, clock=f, window=1)",
                        valid=onetimepass.valid_totp,
                        c=given,
                        s=SECRET,
                        f=FOR_TIME,
                    ),
                    "passlib.totp": op(
                        "passlib_match(t, c, f)",
                        passlib_match=passlib_match,
                        t=prepared_passlib,
                        c=given,
                        f=FOR_TIME,
                    ),
                },
                expect,
            )
        )
    return rows


def one_shot_function(row: PeerRow, call: Op) -> PeerRow:
    """A one-shot row with pyotp_rs's ``totp_code`` (one call, no object) in place of ``TOTP(s)``."""
    return PeerRow(f"{row.name}, totp_code", {**row.ops, "pyotp_rs": call}, row.expect)


def passlib_match(totp: passlib.totp.TOTP, code: str, for_time: int) -> bool:
    """passlib's ``match`` with one 30 s step either side, as a bool."""
    try:
        totp.match(code, time=for_time, window=30)
    except ValueError:
        return False
    return True


def check_peer_row(row: PeerRow) -> None:
    """Every peer gives the row's answer (a code, or the verify result) before it is timed."""
    for name, o in row.ops.items():
        if o is None or row.expect is None:
            continue
        got = eval(o.stmt, dict(o.names))
        assert got == row.expect, (row.name, name, got, row.expect)


def run_peers(timer: Timer) -> list[dict[str, Any]]:
    """Times every peer row, the peers of a row interleaved."""
    out = []
    for row in peer_rows():
        check_peer_row(row)
        present = [(name, o) for name, o in row.ops.items() if o is not None]
        times = dict(zip([n for n, _ in present], timer.measure([o for _, o in present])))
        result: dict[str, Any] = {
            "name": row.name,
            "ns": {name: times.get(name) for name in PEERS},
        }
        ours, theirs = times["pyotp_rs"], times["totp-rs"]
        result["vs_totp_rs"] = theirs / ours
        result["status"] = status(ours <= theirs) if row.target else ""
        out.append(result)
    return out


def criterion_ns(algorithm: str, group: str = "hotp_value_at") -> float | None:
    """Median ns of ``<group>/<algorithm>`` from the last ``cargo bench --bench hotp``, if any."""
    path = ROOT / "target" / "criterion" / group / algorithm / "new" / "estimates.json"
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


def one_shot_floor(timer: Timer) -> dict[str, Any] | None:
    """What a one-shot SHA1 ``TOTP(s).at(t)`` costs at the least, beside totp-rs, all in one run.

    ``benches/floor`` (built into the venv, see benches/README.md) has pyotp's class shape and a
    bare function call, both doing no work. The least a one-shot object can cost is its shape
    plus the work of a code: what ``totp_code`` (decode, key, one value, the code) costs beyond
    a bare call. None when ``benches/floor`` is not built.
    """
    try:
        import pyotp_rs_floor
    except ImportError:
        return None
    ours, theirs, shape, call, code = timer.measure(
        [
            op("TOTP(s).at(f)", TOTP=pyotp_rs.TOTP, s=SECRET, f=FOR_TIME),
            op("gen(s, time=f)", gen=totp_rs.totp_generate, s=SECRET, f=FOR_TIME),
            op("Shape(s).at(f)", Shape=pyotp_rs_floor.Shape, s=SECRET, f=FOR_TIME),
            op("call(s, time=f)", call=pyotp_rs_floor.call, s=SECRET, f=FOR_TIME),
            op("code(s, f)", code=pyotp_rs.totp_code, s=SECRET, f=FOR_TIME),
        ]
    )
    return {
        "pyotp_rs_ns": ours,
        "totp_rs_ns": theirs,
        "class_shape_ns": shape,
        "function_shape_ns": call,
        "totp_code_ns": code,
        "floor_ns": shape + code - call,
    }


def status(ok: bool) -> str:
    """``pass`` or ``MISS``."""
    return "pass" if ok else "MISS"


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
        "settings": {"min_time_s": timer.min_time, "repeat": timer.repeat},
        "floor": base,
        "rows": rows,
        "peers": run_peers(timer),
        "one_shot_floor": one_shot_floor(timer),
        "peer_versions": {
            name: importlib.metadata.version(name)
            for name in ("totp-rs", "otpauth", "mintotp", "onetimepass", "passlib")
        },
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


def fmt_ns(value: float | None) -> str:
    """Nanoseconds with thousands separators, or a dash."""
    return "-" if value is None else f"{value:,.0f}"


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
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(len(head))]
    out = [
        " | ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
        for r in [head, *lines]
    ]
    out.insert(1, "-+-".join("-" * w for w in widths))

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
            f" of >= {report['settings']['min_time_s']} s; load average {load}"
        ),
    ]
    return "\n".join(out + ["", peer_table(report)])


def peer_table(report: dict[str, Any]) -> str:
    """The peers' table: ns/op of each library, and totp-rs / pyotp_rs."""
    head = ("operation", *PEERS, "totp-rs/ours", "status")
    lines = [
        (
            row["name"],
            *(fmt_ns(row["ns"][p]) for p in PEERS),
            f"{row['vs_totp_rs']:.2f}x",
            row["status"],
        )
        for row in report["peers"]
    ]
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(len(head))]
    out = [
        " | ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
        for r in [head, *lines]
    ]
    out.insert(1, "-+-".join("-" * w for w in widths))
    versions = ", ".join(f"{k} {v}" for k, v in report["peer_versions"].items())
    out.append(f"ns/op, median of the same repeats; status: pyotp_rs at least as fast as totp-rs; {versions}")
    floor = report["one_shot_floor"]
    if floor is None:
        out.append("one-shot floor: build benches/floor (benches/README.md) to see it")
    else:
        out.append(
            f"one-shot SHA1 floor: class shape {fmt_ns(floor['class_shape_ns'])}"
            f" + a code's work (totp_code {fmt_ns(floor['totp_code_ns'])} - bare call"
            f" {fmt_ns(floor['function_shape_ns'])}) = {fmt_ns(floor['floor_ns'])} ns;"
            f" TOTP(s).at(t) {fmt_ns(floor['pyotp_rs_ns'])} ns"
            f" ({floor['pyotp_rs_ns'] / floor['floor_ns']:.2f}x the floor); totp-rs {fmt_ns(floor['totp_rs_ns'])} ns"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (noisy numbers)")
    parser.add_argument("--repeat", type=int, help="repeats per operation (default 21, quick 3)")
    parser.add_argument("--min-time", type=float, help="seconds per repeat (default 0.03, quick 0.002)")
    args = parser.parse_args(argv)
    timer = Timer(
        min_time=args.min_time or (0.002 if args.quick else 0.03),
        repeat=args.repeat or (3 if args.quick else 21),
    )
    report = run(timer)
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
