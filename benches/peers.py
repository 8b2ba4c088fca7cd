"""The calls pyotp_rs shares with its peers: totp-rs (the one to beat) and, for context, the
pure-Python otpauth, mintotp, onetimepass, passlib.totp and pyotp; and the one-shot floor.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib.metadata
from collections.abc import Callable
from types import ModuleType
from typing import Any

import mintotp
import onetimepass
import otpauth
import passlib.totp
import pyotp
import pyotp_rs
import totp_rs
from timing import FOR_TIME, SECRET, Op, Timer, fmt_ns, grid, op, status

PEERS = (
    "pyotp_rs",
    "totp-rs",
    "pyotp",
    "otpauth",
    "mintotp",
    "onetimepass",
    "passlib.totp",
)

ONE_SHOT_FLOOR_FACTOR = 1.4
"""How many times its floor a one-shot ``TOTP(s).at(t)`` may cost (issue 27)."""


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
                    **on_pyotp_and_ours(
                        "TOTP(s, digest=d).at(f)",
                        lambda m, d=digest: {"TOTP": m.TOTP, "s": SECRET, "d": d, "f": FOR_TIME},
                    ),
                    "totp-rs": op(
                        "gen(s, algorithm=a, time=f)",
                        gen=totp_rs.totp_generate,
                        s=SECRET,
                        a=alg,
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
                **on_pyotp_and_ours("TOTP(s).now()", lambda m: {"TOTP": m.TOTP, "s": SECRET}),
                "totp-rs": op("gen(s)", gen=totp_rs.totp_generate, s=SECRET),
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
                **on_pyotp_and_ours("t.at(f)", lambda m: {"t": m.TOTP(SECRET), "f": FOR_TIME}),
                "totp-rs": op("gen(k, time=f)", gen=totp_rs.totp_generate, k=key, f=FOR_TIME),
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
                    **on_pyotp_and_ours(
                        "t.verify(c, for_time=f, valid_window=1)",
                        lambda m, c=given: {"t": m.TOTP(SECRET), "c": c, "f": FOR_TIME},
                    ),
                    "totp-rs": op(
                        "check(k, c, time=f, window=1)",
                        check=totp_rs.totp_verify,
                        k=key,
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


def on_pyotp_and_ours(stmt: str, names: Callable[[ModuleType], dict[str, Any]]) -> dict[str, Op]:
    """The same statement for pyotp and pyotp_rs, each with the objects ``names`` makes from its module."""
    return {peer: op(stmt, **names(module)) for peer, module in (("pyotp_rs", pyotp_rs), ("pyotp", pyotp))}


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
        "floor_multiple": ours / (shape + code - call),
        "status": status(ours / (shape + code - call) <= ONE_SHOT_FLOOR_FACTOR),
    }


def versions() -> dict[str, str]:
    """The installed version of each peer."""
    return {
        name: importlib.metadata.version(name)
        for name in ("totp-rs", "otpauth", "mintotp", "onetimepass", "passlib")
    }


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
    out = grid(head, lines)
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
            f" ({floor['floor_multiple']:.2f}x the floor, target <= {ONE_SHOT_FLOOR_FACTOR}: {floor['status']});"
            f" totp-rs {fmt_ns(floor['totp_rs_ns'])} ns"
        )
    return "\n".join(out)
