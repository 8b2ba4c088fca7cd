"""Smoke test of ``benches/compare.py``: it runs and its JSON report is well formed (no timing checks)."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benches" / "compare.py"

EXPECTED_ROWS = [
    "TOTP(s) construction",
    "TOTP.at",
    "TOTP.now",
    "TOTP.verify(window=0)",
    "TOTP.verify(window=1)",
    "TOTP.verify(window=3)",
    "HOTP.at",
    "TOTP.at SHA256",
    "TOTP.at SHA512",
    "provisioning_uri",
    "parse_uri",
    "random_base32",
    "QR PNG",
    "QR SVG",
]


def is_positive(value: object) -> bool:
    """A finite number above zero."""
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


@pytest.fixture(scope="module")
def report() -> dict:
    """The ``--quick --json`` report of one run of the script."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


def test_every_operation_has_a_row(report: dict) -> None:
    assert [row["name"] for row in report["rows"]] == EXPECTED_ROWS


def test_rows_hold_positive_times_and_consistent_ratios(report: dict) -> None:
    for row in report["rows"]:
        assert is_positive(row["pyotp_ns"]), row
        if row["pyotp_rs_ns"] is None:
            assert row["name"].startswith("QR "), row
            assert row["status"] == "n/a (pyotp_rs.qr not built)"
            assert row["ratio"] is None
            continue
        assert is_positive(row["pyotp_rs_ns"]), row
        assert row["ratio"] == pytest.approx(row["pyotp_ns"] / row["pyotp_rs_ns"])
        if row["target_ratio"] is not None:
            assert row["status"] in {"pass", "MISS"}, row


EXPECTED_PEER_ROWS = [
    "one-shot at SHA1",
    "one-shot at SHA1, totp_code",
    "one-shot at SHA256",
    "one-shot at SHA256, totp_code",
    "one-shot at SHA512",
    "one-shot at SHA512, totp_code",
    "one-shot now",
    "one-shot now, totp_code",
    "prepared at SHA1",
    "verify window=1, current code",
    "verify window=1, previous code",
    "verify window=1, wrong code",
]


def test_peers_are_timed_in_the_same_run(report: dict) -> None:
    assert [row["name"] for row in report["peers"]] == EXPECTED_PEER_ROWS
    for row in report["peers"]:
        assert is_positive(row["ns"]["pyotp_rs"]), row
        assert is_positive(row["ns"]["totp-rs"]), row
        assert row["vs_totp_rs"] == pytest.approx(row["ns"]["totp-rs"] / row["ns"]["pyotp_rs"])
        assert row["status"] in {"pass", "MISS"}, row
    assert report["peer_versions"]["totp-rs"] == "2.0.0"


def test_floor_is_reported(report: dict) -> None:
    floor = report["floor"]
    for key in ("pyo3_method_ns", "pyo3_getter_ns", "cpython_builtin_method_ns"):
        assert is_positive(floor[key]), key
    assert set(floor["rust_hotp_ns"]) == {"sha1", "sha256", "sha512"}
    for value in floor["rust_hotp_ns"].values():
        assert value is None or is_positive(value)


def test_one_shot_floor_adds_a_codes_work_to_the_class_shape(report: dict) -> None:
    """Without ``benches/floor`` built the floor is absent, never half-made."""
    floor = report["one_shot_floor"]
    if floor is None:
        return
    for key in ("pyotp_rs_ns", "totp_rs_ns", "class_shape_ns", "function_shape_ns", "totp_code_ns"):
        assert is_positive(floor[key]), key
    work = floor["totp_code_ns"] - floor["function_shape_ns"]
    assert floor["floor_ns"] == pytest.approx(floor["class_shape_ns"] + work)
    assert floor["floor_multiple"] == pytest.approx(floor["pyotp_rs_ns"] / floor["floor_ns"])
    assert floor["status"] in ("pass", "MISS")


def test_machine_and_settings_are_recorded(report: dict) -> None:
    assert report["machine"]["pyotp"] == "2.12.0"
    assert report["machine"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert report["settings"]["repeat"] >= 1


def test_table_output_lists_every_operation() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    for name in EXPECTED_ROWS + EXPECTED_PEER_ROWS:
        assert name in done.stdout
    assert "floor:" in done.stdout
    assert "one-shot" in done.stdout.splitlines()[-1]
