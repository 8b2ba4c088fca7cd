"""Smoke test of ``benches/service.py``: a tiny bounded run prints every row and target, and leaves nothing running.

No timing is checked. The script starts ``pyotp-rs serve`` and the pyotp 2.12 peer, measures each
row (stopping with an error unless every answer is a 200) and stops both by PID; its temporary
directory is put under the test's, so that any process still running from it can be found.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benches" / "service.py"
SIZES = (3, 6, 12)

ROW = re.compile(
    r"^\| `(?P<endpoint>[^`]+)` \| (?P<tokens>[\d,]+) \| [\d,.]+ \| [\d.]+ / [\d.]+ \| [\d,.]+ \| [\d.]+ / [\d.]+ "
    r"\| [\d.]+x \|$"
)


def processes_mentioning(text: str) -> list[int]:
    """PIDs of running processes whose command line holds ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_a_small_run_prints_the_table_and_the_targets(tmp_path: Path) -> None:
    sizes = ",".join(map(str, SIZES))
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--sizes", sizes, "--max-requests", "8"]
        + ["--workers", "1", "--clients", "1"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    rows = [match.groupdict() for match in map(ROW.match, done.stdout.splitlines()) if match]
    assert [(row["endpoint"], int(row["tokens"])) for row in rows] == [
        ("GET /api/v1/codes", 3),
        ("GET /api/v1/codes", 6),
        ("GET /api/v1/tokens/{id}/code", 6),
        ("POST /api/v1/tokens/{id}/verify", 6),
        ("GET /get-totp/<user>", 6),
        ("GET /api/v1/codes", 12),
    ]
    targets = [line for line in done.stdout.splitlines() if re.match(r"^(pass|MISS)  ", line)]
    assert [line.split(":")[0][6:] for line in targets] == [
        "/codes x6",
        "/codes x6",
        "/codes",
    ]
    assert "the peer's requests/s" in targets[0] and "p99 < 20 ms" in targets[1]
    assert "cost per token at 12 / at 6" in targets[2]
    assert "machine: {" in done.stdout

    assert processes_mentioning(str(tmp_path)) == []
    assert list(tmp_path.iterdir()) == []


def test_bad_sizes_are_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--sizes", "10,5"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "at least two increasing token counts" in done.stderr
