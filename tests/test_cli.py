"""The ``pyotp-rs`` command line, run as an installed program in subprocesses.

Codes are compared with the real pyotp for the same secret and time; secrets reach the
program through standard input, the environment and a pseudo-terminal (hidden prompt).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pyotp_rs.qr
import pytest

PROGRAM = Path(sys.executable).parent / "pyotp-rs"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
COMMANDS = ["now", "at", "verify", "new", "qr", "parse", "watch", "import", "export"]
TIMEOUT = 15


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``pyotp-rs`` with ``args``; ``stdin`` is a pipe (empty when None)."""
    return subprocess.run(
        [str(PROGRAM), *args],
        input=stdin if stdin is not None else "",
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def run_in_pty(
    args: list[str],
    answer: str | None,
    prompt: bytes = b"Enter your secret key: ",
    env: dict[str, str] | None = None,
    end: bytes = b"\n",
) -> tuple[int, bytes]:
    """Run ``pyotp-rs`` on a pseudo-terminal; type ``answer`` and ``end`` after ``prompt`` appears.

    Returns the exit status and everything the terminal showed.
    """
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(str(PROGRAM), [str(PROGRAM), *args], {**os.environ, **(env or {})})
    shown = b""
    typed = answer is None
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], deadline - time.monotonic())
            if not ready:
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
            if not typed and shown.endswith(prompt):
                os.write(fd, (answer or "").encode() + end)
                typed = True
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown


def assert_one_line_error(result: subprocess.CompletedProcess[str], status: int, message: str) -> None:
    """The run failed with ``status`` and exactly the line ``pyotp-rs: error: <message>...``."""
    assert result.returncode == status
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"pyotp-rs: error: {message}")


def pyotp_error(call: object) -> str:
    """The message of the exception pyotp raises for ``call()``."""
    with pytest.raises(Exception) as info:
        call()  # type: ignore[operator]
    return str(info.value)


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)])
def test_help_runs_for_every_command(command: list[str]) -> None:
    """``--help`` works for the program and every subcommand."""
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {' '.join(['pyotp-rs', *command])}")
    assert result.stderr == ""


def test_help_warns_about_secret_on_the_command_line() -> None:
    """The only command-line secret option says it is visible in ``ps``."""
    help_text = " ".join(run("now", "--help").stdout.split())
    assert "--secret-arg SECRET take the secret from this argument. UNSAFE: other users see it in 'ps'" in (
        help_text
    )


def test_python_dash_m_is_the_same_program() -> None:
    """``python -m pyotp_rs`` runs the same command line."""
    result = subprocess.run(
        [sys.executable, "-m", "pyotp_rs", "at", "--time", "1234567890"],
        input=SECRET,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == pyotp.TOTP(SECRET).at(1234567890) + "\n"
    version = subprocess.run(
        [sys.executable, "-m", "pyotp_rs", "--version"], capture_output=True, text=True, check=False
    )
    assert version.stdout.startswith("pyotp-rs ")


@pytest.mark.parametrize(
    ("digits", "period", "algorithm", "for_time"),
    [
        (6, 30, "SHA1", 0),
        (6, 30, "SHA1", 1234567890),
        (8, 30, "SHA256", 2000000000),
        (7, 60, "SHA512", 1111111109),
        (10, 120, "sha1", 20000000000),
        (6, 15, "Sha256", 1700000000),
    ],
)
def test_at_matches_pyotp(digits: int, period: int, algorithm: str, for_time: int) -> None:
    """``at --time`` with each code parameter prints pyotp's code for the same secret and time."""
    expected = pyotp.TOTP(SECRET, digits=digits, interval=period, digest=DIGESTS[algorithm.upper()])
    options = ["--digits", str(digits), "--period", str(period), "--algorithm", algorithm]
    result = run("at", "--time", str(for_time), *options, stdin=SECRET + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected.at(for_time) + "\n"


def test_at_rfc6238_vectors(rfc_vectors: dict) -> None:
    """``at`` reproduces RFC 6238 Appendix B for the three algorithms."""
    vectors = rfc_vectors["rfc6238_totp"]
    for case in vectors["codes"][:6]:
        secret = vectors["secrets"][case["algorithm"]]["base32"]
        result = run(
            "at", "--time", str(case["time"]), "--digits", "8", "--algorithm", case["algorithm"], stdin=secret
        )
        assert result.stdout == case["totp"] + "\n", result.stderr


def test_at_accepts_iso_times_and_reports_json() -> None:
    """ISO 8601 times are UTC without an offset; ``--json`` describes the code's time step."""
    totp = pyotp.TOTP(SECRET, interval=60)
    for text in ["2009-02-13T23:31:30Z", "2009-02-13T23:31:30", "2009-02-14T00:31:30+01:00"]:
        result = run("at", "--time", text, "--period", "60", "--json", stdin=SECRET)
        assert result.returncode == 0, result.stderr
        info = json.loads(result.stdout)
        assert info == {
            "code": totp.at(1234567890),
            "time": 1234567890,
            "timecode": totp.timecode(1234567890),
            "valid_from": 1234567860,
            "valid_until": 1234567920,
            "seconds_remaining": 30,
            "digits": 6,
            "period": 60,
            "algorithm": "SHA1",
        }


def test_secret_sources_agree() -> None:
    """Standard input, ``--secret-env`` and ``--secret-arg`` give the same code as pyotp."""
    expected = pyotp.TOTP(SECRET).at(1500000000) + "\n"
    by_stdin = run("at", "--time", "1500000000", stdin=f"\n  {SECRET}  \n\n")
    by_env = run("at", "--time", "1500000000", "--secret-env", "TEAM_SECRET", env={"TEAM_SECRET": SECRET})
    by_arg = run("at", "--time", "1500000000", "--secret-arg", SECRET)
    assert [by_stdin.stdout, by_env.stdout, by_arg.stdout] == [expected] * 3


def test_secret_written_in_groups_is_accepted() -> None:
    """Whitespace inside a secret (as authenticator apps display it) is ignored, case too."""
    grouped = " ".join(SECRET[i : i + 4] for i in range(0, len(SECRET), 4)).lower()
    result = run("at", "--time", "1500000000", stdin=grouped)
    assert result.stdout == pyotp.TOTP(SECRET).at(1500000000) + "\n"


@pytest.mark.parametrize(
    "uri",
    [
        f"otpauth://totp/ACME:alice%40example.com?secret={SECRET}&issuer=ACME",
        f"otpauth://totp/ACME:bob?secret={SECRET}&issuer=ACME&digits=8&period=60&algorithm=SHA256",
        f"otpauth://totp/x?secret={SECRET}&algorithm=SHA512&digits=7",
        f"otpauth://totp/Steam:gamer?secret={SECRET}&encoder=steam",
    ],
)
def test_uri_instead_of_secret(uri: str) -> None:
    """An otpauth URI sets digits, period and algorithm, from stdin or the environment."""
    expected = pyotp.parse_uri(uri).at(1600000000) + "\n"
    assert run("at", "--time", "1600000000", stdin=uri).stdout == expected
    env_result = run("at", "--time", "1600000000", "--secret-env", "URI", env={"URI": uri})
    assert env_result.stdout == expected


def test_now_json_is_pyotp_code_at_the_reported_time() -> None:
    """``now --json`` reports the current time step; its code is pyotp's for that time."""
    before = int(time.time())
    result = run("now", "--json", "--period", "45", "--digits", "8", stdin=SECRET)
    after = int(time.time())
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert before <= info["time"] <= after
    assert info["code"] == pyotp.TOTP(SECRET, digits=8, interval=45).at(info["time"])
    assert info["valid_until"] == (info["time"] // 45 + 1) * 45
    assert info["seconds_remaining"] == info["valid_until"] - info["time"]
    assert 1 <= info["seconds_remaining"] <= 45


def test_now_prints_code_and_seconds_remaining_on_a_terminal() -> None:
    """On a terminal ``now`` prints the code and how many seconds it stays valid."""
    totp = pyotp.TOTP(SECRET)
    before = int(time.time())
    status, shown = run_in_pty(["now", "--secret-env", "S"], None, env={"S": SECRET})
    after = int(time.time())
    assert status == 0
    match = re.fullmatch(r"(\d{6})  \(valid for (\d+) s\)\r\n", shown.decode())
    assert match, shown
    candidates = {t: totp.at(t) for t in range(before, after + 1)}
    assert any(code == match[1] and int(match[2]) == 30 - t % 30 for t, code in candidates.items()), (
        candidates,
        shown,
    )


def test_now_into_a_pipe_prints_only_the_code() -> None:
    """Off a terminal ``now`` prints the code alone, so ``CODE=$(pyotp-rs now ...)`` is the code."""
    totp = pyotp.TOTP(SECRET)
    before = int(time.time())
    result = run("now", "--secret-env", "S", env={"S": SECRET})
    after = int(time.time())
    assert result.stdout in {totp.at(t) + "\n" for t in range(before, after + 1)}


def test_secret_written_as_pretty_key_is_accepted() -> None:
    """Dashes between groups, as ``pretty_key()`` prints the secret, are ignored like spaces."""
    pretty = pyotp_rs.TOTP(SECRET).pretty_key()
    assert "-" in pretty
    for written in (pretty, pretty.replace("-", " - ").lower()):
        result = run("at", "--time", "1500000000", stdin=written)
        assert result.stdout == pyotp.TOTP(SECRET).at(1500000000) + "\n", result.stderr


def test_verify_exit_status_and_window() -> None:
    """``verify`` exits 0 for a valid code and 1 otherwise; ``--window`` accepts nearby steps."""
    totp = pyotp.TOTP(SECRET)
    code = totp.at(1234567890)
    valid = run("verify", code, "--time", "1234567890", stdin=SECRET)
    assert (valid.returncode, valid.stdout) == (0, "valid\n")
    wrong = str((int(code) + 1) % 1000000).zfill(6)
    invalid = run("verify", wrong, "--time", "1234567890", stdin=SECRET)
    assert (invalid.returncode, invalid.stdout, invalid.stderr) == (1, "invalid\n", "")
    late = run("verify", code, "--time", "1234567950", stdin=SECRET)
    assert late.returncode == 1
    windowed = run("verify", code, "--time", "1234567950", "--window", "2", "--json", stdin=SECRET)
    assert windowed.returncode == 0
    assert json.loads(windowed.stdout) == {
        "valid": True,
        "time": 1234567950,
        "timecode": totp.timecode(1234567890),
        "offset": -2,
    }


def test_verify_now_with_uri() -> None:
    """Without ``--time`` the code is checked against the clock (window 1 absorbs a step change)."""
    uri = f"otpauth://totp/x?secret={SECRET}&digits=8&algorithm=SHA256"
    code = pyotp.parse_uri(uri).now()
    result = run("verify", code, "--window", "1", stdin=uri)
    assert (result.returncode, result.stdout) == (0, "valid\n")


BAD_SECRETS = ["bad", "JBSWY3DPEHPK3PXP1BSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PXP!BSWY3DPEHPK3PXP"]
SHORT_SECRET = "JBSWY3DPEHPK3PXP"
SHORT_HINT = "; pass --allow-short-secret to use a legacy 80-bit secret\n"


@pytest.mark.parametrize("secret", BAD_SECRETS)
def test_bad_secret_gives_pyotps_message(secret: str) -> None:
    """A bad secret is one error line with pyotp's own message, exit status 1."""
    message = pyotp_error(lambda: pyotp.TOTP(secret).at(0))
    for command in (["now"], ["at", "--time", "0"], ["verify", "123456"], ["watch", "--count", "1"]):
        assert_one_line_error(run(*command, stdin=secret), 1, f"invalid secret: {message}\n")


BAD_URIS = [
    "otpauth://totp/x",
    "otpauth://totp/x?secret=JBSWY3DP&digits=x",
    f"otpauth://totp/x?secret={SECRET}&algorithm=MD5",
    f"otpauth://totp/x?secret={SECRET}&digits=12",
    f"otpauth://totp/x?secret={SECRET}&period=abc",
]


def reference_code(secret: str, counter: int, digits: int = 6) -> str:
    """RFC 4226 HOTP with SHA1, computed here with ``hmac`` (independent of both libraries)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", counter), "sha1").digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


COMMANDS_WITH_A_SECRET = [["now"], ["at", "--time", "0"], ["verify", "123456"], ["watch", "--count", "1"]]


@pytest.mark.parametrize("command", COMMANDS_WITH_A_SECRET)
def test_short_secret_is_refused_with_the_flag_named(command: list[str]) -> None:
    """An 80-bit secret gets pyotp's message plus the name of the opt-in, for secrets and URIs."""
    message = pyotp_error(lambda: pyotp.TOTP(SHORT_SECRET))
    assert_one_line_error(run(*command, stdin=SHORT_SECRET), 1, f"invalid secret: {message}{SHORT_HINT}")
    uri = f"otpauth://totp/x?secret={SHORT_SECRET}"
    message = pyotp_error(lambda: pyotp.parse_uri(uri))
    assert_one_line_error(run(*command, stdin=uri), 1, f"invalid otpauth URI: {message}{SHORT_HINT}")


@pytest.mark.parametrize("secret", ["JBSWY3DPEHPK3PXP", "GEZDGNBV", "JBSW-Y3DP-EHPK-3PXP"])
def test_allow_short_secret_gives_rfc_codes(secret: str) -> None:
    """With ``--allow-short-secret`` a legacy secret gives the RFC 6238 code, as secret or URI."""
    plain = secret.replace("-", "")
    for time_step in (0, 1, 56666666):
        expected = reference_code(plain, time_step) + "\n"
        at = ["at", "--time", str(time_step * 30), "--allow-short-secret"]
        assert run(*at, stdin=secret).stdout == expected
        assert run(*at, stdin=f"otpauth://totp/x?secret={plain}").stdout == expected
        assert run("at", "--counter", str(time_step), "--allow-short-secret", stdin=secret).stdout == expected
    code = reference_code(plain, 1234567890 // 30)
    verify = run("verify", code, "--time", "1234567890", "--allow-short-secret", stdin=secret)
    assert (verify.returncode, verify.stdout) == (0, "valid\n")


def test_allow_short_secret_keeps_other_refusals() -> None:
    """The opt-in accepts short secrets only: bad base32 is refused as before, with no hint."""
    message = pyotp_error(lambda: pyotp.TOTP("JBSWY3DPEHPK3PX1"))
    for flags in ([], ["--allow-short-secret"]):
        result = run("at", "--time", "0", *flags, stdin="JBSWY3DPEHPK3PX1")
        assert_one_line_error(result, 1, f"invalid secret: {message}\n")


def test_qr_and_parse_take_the_opt_in() -> None:
    """``qr`` and ``parse`` of a legacy secret need the flag too, and work with it."""
    uri = f"otpauth://totp/ACME:alice?secret={SHORT_SECRET}&issuer=ACME"
    for command in (["qr"], ["parse"], ["qr", "--account", "alice"]):
        stdin = SHORT_SECRET if "--account" in command else uri
        assert run(*command, stdin=stdin).stderr.endswith(SHORT_HINT)
        assert run(*command, "--allow-short-secret", stdin=stdin).returncode == 0
    result = run("parse", "--allow-short-secret", stdin=uri)
    assert json.loads(result.stdout)["secret"] == SHORT_SECRET
    shown = run("qr", "--allow-short-secret", stdin=uri).stdout
    assert shown == pyotp_rs.qr.make(uri).terminal() + "\n"


@pytest.mark.parametrize("uri", BAD_URIS)
def test_bad_uri_gives_pyotps_message(uri: str) -> None:
    """A bad otpauth URI is one error line with pyotp's message, for codes and ``parse`` alike."""
    message = pyotp_error(lambda: pyotp.parse_uri(uri))
    assert_one_line_error(run("now", stdin=uri), 1, f"invalid otpauth URI: {message}\n")
    assert_one_line_error(run("parse", stdin=uri), 1, f"invalid otpauth URI: {message}\n")


@pytest.mark.parametrize(
    ("args", "stdin", "env", "status", "message"),
    [
        (["now"], "", {}, 1, "no secret given"),
        (["now"], f"{SECRET}\n{SECRET}\n", {}, 1, "standard input holds more than one line"),
        (
            ["now", "--secret-env", "PYOTP_RS_UNSET"],
            SECRET,
            {},
            1,
            "environment variable PYOTP_RS_UNSET is not set",
        ),
        (
            ["now", "--secret-env", "EMPTY"],
            SECRET,
            {"EMPTY": " "},
            1,
            "environment variable EMPTY is empty\n",
        ),
        (
            ["now", "--digits", "8"],
            f"otpauth://totp/x?secret={SECRET}",
            {},
            1,
            "--digits cannot be combined with an otpauth URI",
        ),
        (
            ["watch"],
            f"otpauth://hotp/x?secret={SECRET}&counter=1",
            {},
            1,
            "the URI is for a counter-based (HOTP) code; this command needs a time-based one",
        ),
        (
            ["at", "--time", "0"],
            f"otpauth://hotp/x?secret={SECRET}&counter=1",
            {},
            1,
            "the URI is for a counter-based (HOTP) code: give --counter N instead of --time",
        ),
        (
            ["at", "--counter", "0"],
            f"otpauth://totp/x?secret={SECRET}",
            {},
            1,
            "--counter needs a counter-based (HOTP) secret; the URI is for a time-based code",
        ),
        (
            ["verify", "123456", "--counter", "0", "--period", "60"],
            SECRET,
            {},
            1,
            "--period cannot be combined with --counter",
        ),
        (["parse"], SECRET, {}, 1, "expected an otpauth:// URI"),
        (["now", "--digits", "x"], SECRET, {}, 2, "argument --digits: must be an integer, not 'x'"),
        (["now", "--period", "0"], SECRET, {}, 2, "argument --period: must be from 1 to 120, not '0'"),
        (
            ["now", "--algorithm", "MD5"],
            SECRET,
            {},
            2,
            "argument --algorithm: must be one of SHA1, SHA256, SHA512",
        ),
        (
            ["verify", "1", "--window", "-1"],
            SECRET,
            {},
            2,
            "argument --window: must be from 0 to 10, not '-1'",
        ),
        (["at"], SECRET, {}, 2, "one of the arguments --time --counter is required"),
        (["at", "--time", "0", "--counter", "1"], SECRET, {}, 2, "argument --counter: not allowed with"),
        (
            ["at", "--time", "yesterday"],
            SECRET,
            {},
            2,
            "argument --time: must be Unix seconds or an ISO 8601",
        ),
        (["verify"], SECRET, {}, 2, "the following arguments are required: CODE"),
        (
            ["now", "--secret-env", "A", "--secret-arg", "B"],
            "",
            {},
            2,
            "argument --secret-arg: not allowed with",
        ),
        (["now", "--bogus"], SECRET, {}, 2, "unrecognized arguments: --bogus (see 'pyotp-rs now --help')"),
        (["frobnicate"], SECRET, {}, 2, "argument COMMAND: invalid choice: 'frobnicate'"),
        ([], SECRET, {}, 2, "the following arguments are required: COMMAND"),
    ],
)
def test_bad_input_and_options(
    args: list[str], stdin: str, env: dict[str, str], status: int, message: str
) -> None:
    """Bad input exits 1 and bad usage exits 2, each with one error line and no traceback."""
    assert_one_line_error(run(*args, stdin=stdin, env=env), status, message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["now", "--digits", "5"], "argument --digits: must be from 6 to 10, not '5'"),
        (["now", "--digits", "11"], "argument --digits: must be from 6 to 10, not '11'"),
        (["at", "--time", "0", "--period", "121"], "argument --period: must be from 1 to 120, not '121'"),
        (["at", "--time=-5"], "argument --time: must be from 1970 to the year 9999, not '-5'"),
        (["at", "--time", "1969-12-31T23:59:59Z"], "argument --time: must be from 1970 to the year 9999"),
        (["at", "--time", "1e300"], "argument --time: must be from 1970 to the year 9999"),
        (["at", "--time", "nan"], "argument --time: must be Unix seconds or an ISO 8601"),
        (["verify", "123456", "--window", "11"], "argument --window: must be from 0 to 10, not '11'"),
        (["verify", "123456", "--window", "10000000"], "argument --window: must be from 0 to 10"),
        (["qr", "--png", "x.png", "--scale", "100"], "argument --scale: must be from 1 to 64, not '100'"),
        (["qr", "--png", "x.png", "--scale", "0"], "argument --scale: must be from 1 to 64, not '0'"),
        (["new", "--issuer", "A", "--account", "x", "--digits", "7"], "argument --digits: must be 6 or 8"),
        (["new", "--issuer", "A", "--account", "x", "--period", "5"], "argument --period: must be from 10"),
    ],
)
def test_out_of_range_options_are_usage_errors(args: list[str], message: str) -> None:
    """An option outside the library's limits is a usage error (exit status 2) that names it."""
    assert_one_line_error(run(*args, stdin=SECRET), 2, message)


def test_widest_window_is_accepted() -> None:
    """``--window 10`` is the widest window, and it finds a code 10 steps away."""
    code = pyotp.TOTP(SECRET).at(1234567890)
    result = run("verify", code, "--time", str(1234567890 + 300), "--window", "10", stdin=SECRET)
    assert (result.returncode, result.stdout) == (0, "valid\n")


@pytest.mark.parametrize("command", [["now"], ["at", "--time", "0"], ["verify", "123456"], ["qr"]])
def test_secret_as_an_argument_says_how_to_give_it(command: list[str]) -> None:
    """A secret given as a positional argument gets a hint naming the ways to pass one."""
    result = run(*command, SECRET)
    assert_one_line_error(result, 2, f"unrecognized arguments: {SECRET}; a ")
    assert "is not taken as an argument" in result.stderr and "--secret-env VAR" in result.stderr


def test_unknown_option_gets_no_secret_hint() -> None:
    """The hint is for stray words only, not for misspelt options."""
    assert "--secret-env" not in run("now", "--bogus").stderr


@pytest.mark.parametrize(
    "uri",
    [
        f"otpauth://totp/ACME%20Co:alice%40example.com?secret={SECRET}&issuer=ACME%20Co&digits=8&period=60",
        f"otpauth://hotp/Bank:bob?secret={SECRET}&issuer=Bank&counter=42&algorithm=SHA512",
        f"otpauth://totp/Steam:gamer?secret={SECRET}&encoder=steam",
        f"otpauth://totp/label-only?secret={SECRET}",
    ],
)
def test_parse_matches_pyotp(uri: str) -> None:
    """``parse`` prints the fields pyotp's parse_uri finds in the URI."""
    result = run("parse", stdin=uri)
    assert result.returncode == 0, result.stderr
    otp = pyotp.parse_uri(uri)
    expected = {
        "type": "hotp" if isinstance(otp, pyotp.HOTP) else "totp",
        "issuer": otp.issuer,
        "name": otp.name,
        "secret": otp.secret,
        "digits": otp.digits,
        "algorithm": otp.digest().name.upper(),
    }
    if isinstance(otp, pyotp.HOTP):
        expected["counter"] = otp.initial_count
    else:
        expected["period"] = otp.interval
    if "encoder=steam" in uri:
        expected["encoder"] = "steam"
    assert json.loads(result.stdout) == expected


def test_hidden_prompt_does_not_echo_the_secret() -> None:
    """On a terminal the secret is asked for with a hidden prompt and never shown."""
    status, shown = run_in_pty(["at", "--time", "1234567890"], SECRET)
    assert status == 0, shown
    assert shown.startswith(b"Enter your secret key: ")
    assert SECRET.encode() not in shown
    assert shown.split()[-1] == pyotp.TOTP(SECRET).at(1234567890).encode()


def test_hidden_prompt_accepts_a_uri() -> None:
    """A URI typed at the hidden prompt works too, and is not echoed."""
    uri = f"otpauth://totp/x?secret={SECRET}&digits=8&period=60&algorithm=SHA256"
    status, shown = run_in_pty(["at", "--time", "1234567890"], uri)
    assert status == 0, shown
    assert uri.encode() not in shown and SECRET.encode() not in shown
    assert shown.split()[-1] == pyotp.parse_uri(uri).at(1234567890).encode()
    status, shown = run_in_pty(["parse"], uri, prompt=b"Enter the otpauth URI: ")
    assert status == 0, shown
    assert json.loads(shown[shown.index(b"{") :])["period"] == 60


def test_empty_answer_at_the_prompt_is_an_error() -> None:
    """Pressing Enter at the prompt reports that no secret was given."""
    status, shown = run_in_pty(["now"], "")
    assert status == 1
    assert shown.rstrip().endswith(b"pyotp-rs: error: no secret given")


def test_ctrl_d_at_the_prompt_puts_the_error_on_its_own_line() -> None:
    """End of input (Ctrl-D) at the prompt ends the prompt's line before the error."""
    status, shown = run_in_pty(["now"], "", end=b"\x04")
    assert status == 1
    assert shown.splitlines()[-1] == b"pyotp-rs: error: no secret given"
    assert shown.startswith(b"Enter your secret key: ")


def test_watch_prints_one_line_per_tick_with_a_countdown() -> None:
    """``watch`` prints the code with a shrinking countdown; off a terminal one line per tick."""
    totp = pyotp.TOTP(SECRET, interval=60)
    before = int(time.time())
    result = run("watch", "--count", "2", "--period", "60", stdin=SECRET)
    after = int(time.time())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    seen = []
    for line in lines:
        match = re.fullmatch(r"(\d{6})  ([\u2588#]*)([\u2591-]*) +(\d+) s", line)
        assert match, line
        remaining = int(match[4])
        assert len(match[2]) == round(30 * remaining / 60) and len(match[2] + match[3]) == 30
        seen.append((match[1], remaining))
    possible = {(totp.at(t), 60 - t % 60) for t in range(before, after + 1)}
    assert set(seen) <= possible and seen[0] != seen[1]


def test_watch_redraws_in_place_on_a_terminal() -> None:
    """On a terminal ``watch`` redraws one line with a carriage return."""
    status, shown = run_in_pty(["watch", "--count", "2", "--secret-arg", SECRET], None)
    assert status == 0
    assert shown.count(b"\r") >= 2 and b"\x1b[K" in shown


@pytest.mark.parametrize("columns", [80, 44, 30, 20, 19, 12])
def test_watch_fits_the_line_into_a_narrow_terminal(columns: int) -> None:
    """Each redrawn line is shorter than the terminal, so it never wraps; the code always shows."""
    status, shown = run_in_pty(
        ["watch", "--count", "2", "--secret-env", "S"], None, env={"S": SECRET, "COLUMNS": str(columns)}
    )
    assert status == 0
    lines = [line.removesuffix("\x1b[K") for line in shown.decode().strip().split("\r") if line]
    assert len(lines) == 2
    for line in lines:
        assert len(line) < columns, line
        assert re.fullmatch(r"\d{6}(  [\u2588\u2591#-]+)?( +\d+ s)?", line), line
    assert ("\u2591" in shown.decode() or "\u2588" in shown.decode()) == (columns >= 20)


@contextlib.contextmanager
def _sigint_as_in_the_foreground() -> Iterator[None]:
    """A suite started in the background (``bash .ci/run &``) ignores SIGINT, and a child inherits
    an ignored signal (Python then raises no KeyboardInterrupt); a handled one is reset to the
    default in the child, as a foreground job has it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_watch_ctrl_c_exits_cleanly() -> None:
    """Ctrl-C (SIGINT) ends ``watch`` with exit status 0 and no traceback."""
    with _sigint_as_in_the_foreground():
        process = subprocess.Popen(
            [str(PROGRAM), "watch", "--secret-env", "S"],
            env={**os.environ, "S": SECRET},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert process.stdout is not None
    first = process.stdout.readline()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert re.match(r"\d{6}  ", first)
    assert process.returncode == 0
    assert stderr == ""


def test_watch_stops_quietly_when_the_reader_goes_away() -> None:
    """``watch | head -1``: a closed pipe ends ``watch`` without an error message."""
    process = subprocess.Popen(
        [str(PROGRAM), "watch", "--secret-env", "S"],
        env={**os.environ, "S": SECRET},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    assert re.match(r"\d{6}  ", process.stdout.readline())
    process.stdout.close()
    process.wait(timeout=TIMEOUT)
    assert process.returncode == 1
    assert process.stderr.read() == ""


def check_enrolment_uri(uri: str, secret: str, digits: int, period: int, algorithm: str) -> None:
    """pyotp reads ``uri`` back as the TOTP ``new`` was asked for, with ``secret``."""
    otp = pyotp.parse_uri(uri)
    assert isinstance(otp, pyotp.TOTP)
    assert (otp.issuer, otp.name, otp.secret) == ("ACME Corp", "alice@example.com", secret)
    assert (otp.digits, otp.interval, otp.digest().name.upper()) == (digits, period, algorithm)
    assert len(otp.byte_secret()) == 20


def test_new_prints_secret_uri_qr_and_current_code() -> None:
    """``new`` prints a fresh secret, its URI, the URI's terminal QR code and pyotp's current code."""
    before = int(time.time())
    result = run("new", "--issuer", "ACME Corp", "--account", "alice@example.com")
    after = int(time.time())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    secret = lines[0].removeprefix("Secret: ")
    uri = lines[1].removeprefix("URI:    ")
    check_enrolment_uri(uri, secret, 6, 30, "SHA1")
    picture = "\n".join(lines[2:-1])
    assert picture == pyotp_rs.qr.make(uri).terminal().rstrip("\n")
    totp = pyotp.TOTP(secret)
    assert lines[-1] in {f"Current code: {totp.at(t)}" for t in range(before, after + 1)}
    other = run("new", "--issuer", "ACME Corp", "--account", "alice@example.com")
    assert other.stdout.splitlines()[0] != lines[0]


def test_new_json_is_the_enrolment_dict() -> None:
    """``new --json`` prints ``enroll()``'s dict for the chosen digits, period and algorithm."""
    before = int(time.time())
    result = run(
        "new",
        "--issuer",
        "ACME Corp",
        "--account",
        "alice@example.com",
        "--json",
        "--digits",
        "8",
        "--period",
        "60",
        "--algorithm",
        "sha256",
    )
    after = int(time.time())
    assert result.returncode == 0, result.stderr
    enrolment = json.loads(result.stdout)
    assert sorted(enrolment) == ["current_code", "qr_code", "secret", "uri"]
    check_enrolment_uri(enrolment["uri"], enrolment["secret"], 8, 60, "SHA256")
    assert enrolment["qr_code"] == pyotp_rs.qr.make(enrolment["uri"]).data_uri()
    totp = pyotp.parse_uri(enrolment["uri"])
    assert enrolment["current_code"] in {totp.at(t) for t in range(before, after + 1)}


def test_new_writes_private_png_and_svg_files(tmp_path: Path) -> None:
    """``--png``/``--svg`` write the URI's QR images, readable by the owner only, and name them on stderr."""
    png, svg = tmp_path / "alice.png", tmp_path / "alice.svg"
    result = run(
        "new",
        "--issuer",
        "ACME Corp",
        "--account",
        "alice@example.com",
        "--png",
        str(png),
        "--svg",
        str(svg),
        "--scale",
        "3",
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stderr
        == f"pyotp-rs: wrote the PNG QR code to {png}\npyotp-rs: wrote the SVG QR code to {svg}\n"
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and lines[2].startswith("Current code: ")
    code = pyotp_rs.qr.make(lines[1].removeprefix("URI:    "))
    assert png.read_bytes() == code.png(scale=3)
    assert svg.read_text() == code.svg(scale=3)
    assert png.stat().st_mode & 0o777 == 0o600 and svg.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("options", "status", "message"),
    [
        (["--issuer", "A:B", "--account", "x"], 1, "issuer must not contain ':'"),
        (["--issuer", "A", "--account", " "], 1, "account_name must not be empty"),
        (
            ["--issuer", "A", "--account", "x", "--png", "/nonexistent/dir/x.png"],
            1,
            "/nonexistent/dir/x.png: ",
        ),
        (["--account", "x"], 2, "the following arguments are required: --issuer"),
    ],
)
def test_new_bad_options(options: list[str], status: int, message: str) -> None:
    """Bad enrolment options are one error line; no secret is printed."""
    assert_one_line_error(run("new", *options), status, message)


QR_URI = f"otpauth://totp/ACME:alice?secret={SECRET}&issuer=ACME"


def test_qr_to_terminal_and_files(tmp_path: Path) -> None:
    """``qr`` draws the URI's code on the terminal (``--invert`` for light backgrounds) or into files."""
    code = pyotp_rs.qr.make(QR_URI)
    assert run("qr", stdin=QR_URI).stdout == code.terminal() + "\n"
    assert run("qr", "--invert", stdin=QR_URI).stdout == code.terminal(invert=True) + "\n"
    path = tmp_path / "q.png"
    result = run("qr", "--png", str(path), "--secret-env", "URI", env={"URI": QR_URI})
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == f"pyotp-rs: wrote the PNG QR code to {path}\n"
    assert path.read_bytes() == code.png()
    assert path.stat().st_mode & 0o777 == 0o600


def run_binary(*args: str, stdin: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``pyotp-rs`` with ``args``, keeping standard output as bytes."""
    return subprocess.run(
        [str(PROGRAM), *args], input=stdin.encode(), capture_output=True, timeout=TIMEOUT, check=False
    )


def test_qr_dash_writes_the_image_to_standard_output() -> None:
    """``--png -`` and ``--svg -`` write the image bytes to standard output and nothing to stderr."""
    code = pyotp_rs.qr.make(QR_URI)
    png = run_binary("qr", "--png", "-", "--scale", "3", stdin=QR_URI)
    assert (png.returncode, png.stdout, png.stderr) == (0, code.png(scale=3), b"")
    svg = run_binary("qr", "--svg", "-", stdin=QR_URI)
    assert (svg.returncode, svg.stdout, svg.stderr) == (0, code.svg().encode(), b"")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["qr", "--png", "x.png", "--invert"], "argument --invert: applies to the terminal QR code only"),
        (["qr", "--png", "-", "--svg", "-"], "argument --svg: only one of --png and --svg can write to"),
        (["qr", "--scale", "3"], "argument --scale: applies to --png and --svg images only"),
        (["new", "--issuer", "A", "--account", "x", "--png", "-"], "argument --png: '-' (standard output)"),
    ],
)
def test_qr_output_options_that_conflict(args: list[str], message: str, tmp_path: Path) -> None:
    """QR output options that would be ignored or mixed up are usage errors; nothing is written."""
    result = subprocess.run(
        [str(PROGRAM), *args], input=QR_URI, capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert_one_line_error(result, 2, message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--account", "alice@example.com"], pyotp.TOTP(SECRET).provisioning_uri(name="alice@example.com")),
        (
            [
                "--account",
                "alice",
                "--issuer",
                "ACME Co",
                "--digits",
                "8",
                "--period",
                "60",
                "--algorithm",
                "sha256",
            ],
            pyotp.TOTP(SECRET, digits=8, interval=60, digest=hashlib.sha256).provisioning_uri(
                name="alice", issuer_name="ACME Co"
            ),
        ),
        (
            ["--account", "bob", "--issuer", "Bank", "--counter", "7"],
            pyotp.HOTP(SECRET).provisioning_uri(name="bob", initial_count=7, issuer_name="Bank"),
        ),
    ],
)
def test_qr_of_a_plain_secret_encodes_pyotps_uri(options: list[str], expected: str) -> None:
    """``qr`` builds the URI of a plain secret as pyotp's ``provisioning_uri`` does."""
    result = run_binary("qr", *options, "--svg", "-", stdin=SECRET)
    assert result.returncode == 0, result.stderr
    assert result.stdout == pyotp_rs.qr.make(expected).svg().encode()


def test_qr_reads_the_uri_at_a_hidden_prompt() -> None:
    """On a terminal ``qr`` asks for the URI without echoing it."""
    status, shown = run_in_pty(["qr"], QR_URI, prompt=b"Enter the otpauth URI: ")
    assert status == 0, shown
    assert SECRET.encode() not in shown
    assert pyotp_rs.qr.make(QR_URI).terminal().split("\n")[3].encode() in shown


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (SECRET, "a plain secret needs --account (and usually --issuer); or give an otpauth:// URI"),
        ("otpauth://totp/x", "invalid otpauth URI: No secret found in URI"),
    ],
)
def test_qr_bad_input(stdin: str, message: str) -> None:
    """``qr`` needs a valid otpauth URI."""
    assert_one_line_error(run("qr", stdin=stdin), 1, message)


def test_parse_without_input_asks_for_a_uri() -> None:
    """Commands that take a URI say so when none is given."""
    assert_one_line_error(run("parse"), 1, "no otpauth URI given\n")


def test_qr_refuses_label_options_with_a_uri() -> None:
    """An otpauth URI already has its label and parameters."""
    assert_one_line_error(
        run("qr", "--account", "x", "--digits", "8", stdin=QR_URI),
        1,
        "--account, --digits cannot be combined with an otpauth URI",
    )


HOTP_URI = f"otpauth://hotp/Bank:bob?secret={SECRET}&issuer=Bank&counter=42&digits=8&algorithm=SHA256"


def test_hotp_codes_at_a_counter() -> None:
    """``--counter`` gives pyotp's counter-based codes, for a plain secret and for an HOTP URI."""
    plain, uri = pyotp.HOTP(SECRET), pyotp.parse_uri(HOTP_URI)
    for counter in (0, 1, 41, 42, 43, 10**9):
        result = run("at", "--counter", str(counter), stdin=SECRET)
        assert result.stdout == plain.at(counter) + "\n", result.stderr
        result = run("at", "--counter", str(counter), stdin=HOTP_URI)
        assert result.stdout == uri.generate_otp(counter) + "\n", result.stderr
    assert run("now", "--counter", "5", stdin=SECRET).stdout == plain.at(5) + "\n"
    assert run("now", stdin=HOTP_URI).stdout == uri.generate_otp(42) + "\n"
    info = json.loads(run("now", "--json", stdin=HOTP_URI).stdout)
    assert info == {"code": uri.generate_otp(42), "counter": 42, "digits": 8, "algorithm": "SHA256"}


def test_hotp_verify_looks_ahead_by_the_window() -> None:
    """``verify`` of an HOTP code accepts the counter and the ``--window`` counters after it."""
    uri = pyotp.parse_uri(HOTP_URI)
    code = uri.generate_otp(45)
    assert run("verify", code, stdin=HOTP_URI).returncode == 1
    near = run("verify", code, "--window", "3", "--json", stdin=HOTP_URI)
    assert (near.returncode, json.loads(near.stdout)) == (0, {"valid": True, "counter": 45, "offset": 3})
    assert run("verify", code, "--counter", "45", stdin=HOTP_URI).stdout == "valid\n"
    assert run("verify", code, "--counter", "46", "--window", "10", stdin=HOTP_URI).returncode == 1
    plain = pyotp.HOTP(SECRET).at(7)
    assert run("verify", plain, "--counter", "5", "--window", "2", stdin=SECRET).stdout == "valid\n"


def test_importing_the_cli_stays_light() -> None:
    """Building the whole parser imports no web framework: every run of every command pays for it."""
    script = (
        "import sys, pyotp_rs.cli; pyotp_rs.cli.build_parser(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'werkzeug', 'jinja2', 'sqlalchemy'}))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout == "[]\n"


def test_private_files_replace_an_existing_file_and_link_only_with_force(tmp_path: Path) -> None:
    """``new --png``: an existing file is refused without ``--force``; with it, a new 0600 file takes
    its place (not the old 0644 one rewritten), and a symlink is replaced, never followed."""
    png, target = tmp_path / "qr.png", tmp_path / "elsewhere.txt"
    png.write_bytes(b"old")
    png.chmod(0o644)
    target.write_text("keep")
    target.chmod(0o644)
    options = ["new", "--issuer", "A", "--account", "x", "--png"]
    assert_one_line_error(run(*options, str(png)), 1, f"{png} already exists: give --force to overwrite it")
    assert png.read_bytes() == b"old"
    result = run(*options, str(png), "--force")
    assert result.returncode == 0, result.stderr
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_mode & 0o777 == 0o600
    link = tmp_path / "link.png"
    link.symlink_to(target)
    assert_one_line_error(run(*options, str(link)), 1, f"{link} already exists")
    dangling = tmp_path / "dangling.png"
    dangling.symlink_to(tmp_path / "nowhere.png")
    assert_one_line_error(run(*options, str(dangling)), 1, f"{dangling} already exists")
    assert not (tmp_path / "nowhere.png").exists()
    assert run(*options, str(link), "--force").returncode == 0
    assert not link.is_symlink() and link.stat().st_mode & 0o777 == 0o600
    assert target.read_text() == "keep" and target.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dangling.png",
        "elsewhere.txt",
        "link.png",
        "qr.png",
    ]


def test_force_applies_to_image_files_only() -> None:
    assert_one_line_error(
        run("qr", "--force", stdin=QR_URI), 2, "argument --force: applies to --png and --svg"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "http://example.com",
            "not an otpauth URI: the scheme is 'http'; expected otpauth:// or a base32 secret",
        ),
        ("HTTPS://example.com/?secret=x", "not an otpauth URI: the scheme is 'https'"),
        (
            "otpauth-migration://offline?data=CgA=",
            "not an otpauth URI: an otpauth-migration URI holds a batch",
        ),
        ("otpauth:/totp/x?secret=" + SECRET, "invalid otpauth URI: it must start with otpauth://"),
    ],
)
@pytest.mark.parametrize("command", [["now"], ["qr"], ["parse"]])
def test_a_uri_of_another_scheme_is_not_called_a_bad_secret(
    command: list[str], text: str, message: str
) -> None:
    """``echo http://example.com | pyotp-rs now`` says what it is, without echoing more than the scheme."""
    result = run(*command, stdin=text)
    assert_one_line_error(result, 1, message)
    assert "example.com" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["now", "--period", "0"], "argument --period: must be from 1 to 120, not '0'"),
        (["now", "--period", "-3"], "argument --period: must be from 1 to 120, not '-3'"),
        (["now", "--period", "121"], "argument --period: must be from 1 to 120, not '121'"),
        (["new", "--issuer", "A", "--account", "x", "--period", "0"], "argument --period: must be from 10 to 120, not '0'"),
        (["new", "--issuer", "A", "--account", "x", "--period", "121"], "argument --period: must be from 10 to 120, not '121'"),
        (["new", "--issuer", "A", "--account", "x", "--digits", "0"], "argument --digits: must be 6 or 8, not '0'"),
    ],
)  # fmt: skip
def test_out_of_range_messages_read_the_same_below_and_above(args: list[str], message: str) -> None:
    """0, a negative number and a number above the limit get the same wording."""
    assert_one_line_error(run(*args, stdin=SECRET), 2, message)


def test_usage_errors_escape_terminal_controls() -> None:
    """An unknown argument or choice is quoted in the usage error with its controls escaped."""
    result = run("now", "--bogus\x1b[2J\u202e")
    assert_one_line_error(result, 2, "unrecognized arguments: --bogus\\x1b[2J\\u202e (see")
    assert_one_line_error(
        run("\x1b]0;title\x07"), 2, "argument COMMAND: invalid choice: '\\x1b]0;title\\x07'"
    )


def test_error_lines_escape_terminal_controls() -> None:
    """An error message that quotes input shows control and bidi characters escaped."""
    result = run("now", "--secret-env", "S", env={"S": "otpauth://totp/x?secret=\x1b[2J\u202e&digits=x"})
    assert result.returncode == 1
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr


def test_private_files_on_a_file_system_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where ``link()`` is not supported, a new file is still written and an existing one still refused."""
    from pyotp_rs.cli.errors import CliError
    from pyotp_rs.cli.output import write_private

    def no_links(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "code.png"
    write_private(str(path), b"one", overwrite=False)
    assert path.read_bytes() == b"one" and path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(CliError, match="already exists: give --force"):
        write_private(str(path), b"two", overwrite=False)
    write_private(str(path), b"two", overwrite=True)
    assert path.read_bytes() == b"two" and [p.name for p in tmp_path.iterdir()] == ["code.png"]
