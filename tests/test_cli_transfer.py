"""``pyotp-rs import`` and ``pyotp-rs export``, run as the installed program in subprocesses."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pyotp
import pytest
from PIL import Image
from pyotp_rs import HOTP, TOTP, transfer
from qrdecode import decode
from test_cli import assert_one_line_error, run, run_in_pty
from test_transfer import ENTRIES, K20, S32, independent_decrypt, independent_encrypt, plain_vault

ACCOUNTS = [
    TOTP(S32, name="alice@example.com", issuer="Example"),
    HOTP(S32, name="bob", initial_count=7, digits=8),
]


@pytest.fixture
def migration_file(tmp_path: Path) -> Path:
    path = tmp_path / "export.txt"
    path.write_text("\n".join(transfer.write_migration(ACCOUNTS, batch_id=1)) + "\n")
    return path


def test_import_lists_accounts_with_secrets_hidden(migration_file: Path) -> None:
    result = run("import", str(migration_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "migration: 2 account(s) imported, 0 skipped",
        "  totp      Example:alice@example.com  (SHA1, 6 digits, 30 s)",
        "  hotp      bob  (SHA1, 8 digits, counter 7)",
    ]
    assert S32 not in result.stdout
    shown = run("import", str(migration_file), "--show-secrets", "--codes")
    assert f"secret {S32}" in shown.stdout
    hotp_line = shown.stdout.splitlines()[2]
    assert f"code {pyotp.HOTP(S32, digits=8).at(7)}" in hotp_line


def test_import_json_from_stdin_with_skips_and_codes() -> None:
    team = json.dumps({"alice": S32, "bob": "not base32!", "legacy": "JBSWY3DPEHPK3PXP"})
    result = run("import", "-", "--json", "--codes", stdin=team)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["format"] == "team"
    alice, bob, legacy = report["entries"]
    assert (alice["status"], alice["name"], alice["type"], "secret" in alice) == (
        "imported",
        "alice",
        "totp",
        False,
    )
    now = time.time()
    assert alice["code"] in {pyotp.TOTP(S32).at(now + drift) for drift in (-30, 0, 30)}
    assert (bob["status"], bob["reason"]) == ("skipped", "Non-base32 digit found")
    assert legacy["status"] == "imported" and "allow_short_secret" in legacy["reason"]


def test_import_a_uri_argument() -> None:
    uri = transfer.write_migration(ACCOUNTS[:1], batch_id=3)[0]
    result = run("import", uri)
    assert result.returncode == 0 and "Example:alice@example.com" in result.stdout


def test_encrypted_vault_password_from_env_or_prompt(tmp_path: Path) -> None:
    vault = tmp_path / "aegis.json"
    vault.write_text(independent_encrypt(plain_vault(ENTRIES[:2])["db"], "s3cret", n=2**10))
    result = run("import", str(vault), "--password-env", "VAULT_PW", env={"VAULT_PW": "s3cret"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("aegis: 2 account(s) imported")
    assert_one_line_error(
        run("import", str(vault), "--password-env", "VAULT_PW", env={"VAULT_PW": "nope"}),
        1,
        "wrong password for the Aegis vault",
    )
    assert_one_line_error(
        run("import", str(vault)),
        1,
        "the Aegis vault is encrypted: give its password with --password-env VAR or at a prompt: no terminal",
    )
    assert_one_line_error(
        run("import", str(vault), "--password-env", "UNSET_PW_VAR"), 1, "environment variable"
    )
    status, shown = run_in_pty(["import", str(vault)], "s3cret", prompt=b"Vault password: ")
    assert status == 0 and b"aegis: 2 account(s) imported" in shown and b"s3cret" not in shown


def test_bad_sources_are_one_line_errors(tmp_path: Path) -> None:
    assert_one_line_error(
        run("import", str(tmp_path / "missing.json")), 1, f"{tmp_path / 'missing.json'}: No such"
    )
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(b"\xff\xfe\x00")
    assert_one_line_error(
        run("import", str(garbage)),
        1,
        "the input is binary, read as an encrypted andOTP backup: give its password",
    )
    assert_one_line_error(
        run("import", str(garbage), "--password-env", "PW", env={"PW": "x"}),
        1,
        "not a valid encrypted andOTP",
    )
    assert_one_line_error(
        run("import", "otpauth-migration://offline?data=%%"), 1, "the otpauth-migration data"
    )
    assert_one_line_error(run("export", "-", "--format", "zip"), 2, "argument --format")


def test_export_aegis_encrypted_file_is_private(migration_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "vault.json"
    result = run(
        "export",
        str(migration_file),
        "--format",
        "aegis",
        "-o",
        str(out),
        "--new-password-env",
        "NEW_PW",
        env={"NEW_PW": "hunter2"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote 2 account(s) to {out}\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    db = independent_decrypt(out.read_text(), "hunter2")
    assert [(e["type"], e["name"], e["info"]["secret"]) for e in db["entries"]] == [
        ("totp", "alice@example.com", S32),
        ("hotp", "bob", S32),
    ]
    assert_one_line_error(
        run("export", str(migration_file), "--format", "aegis"),
        1,
        "an encrypted vault needs a password",
    )
    plain = run("export", str(migration_file), "--format", "aegis", "--plain")
    assert json.loads(plain.stdout)["header"] == {"slots": None, "params": None}


def test_export_migration_png_codes_scan_back(tmp_path: Path) -> None:
    source = tmp_path / "uris.txt"
    accounts = [TOTP(S32, name=f"user{i}", issuer="Example") for i in range(12)]
    source.write_text(transfer.write_uris(accounts))
    result = run("export", str(source), "--format", "migration", "-o", str(tmp_path / "codes.png"))
    assert result.returncode == 0, result.stderr
    names = [tmp_path / "codes-1.png", tmp_path / "codes-2.png"]
    assert result.stdout == f"wrote 12 account(s) in 2 QR code(s): {names[0]}, {names[1]}\n"
    uris = []
    for name in names:
        assert stat.S_IMODE(name.stat().st_mode) == 0o600
        with Image.open(name) as image:
            uris.append(decode(image))
    report = transfer.read("\n".join(uris))
    assert report.warnings == ()
    assert [(a.name, a.otp.byte_secret()) for a in report.accounts] == [(f"user{i}", K20) for i in range(12)]


def test_export_uris_and_terminal_qr(migration_file: Path) -> None:
    result = run("export", str(migration_file), "--format", "uris")
    assert result.stdout.splitlines() == [
        f"otpauth://totp/Example:alice%40example.com?secret={S32}&issuer=Example",
        f"otpauth://hotp/bob?secret={S32}&counter=7&digits=8",
    ]
    terminal = run("export", str(migration_file), "--format", "migration")
    assert terminal.returncode == 0 and terminal.stdout.startswith("QR code 1 of 1:\n")


def test_export_portable_uris_reads_back_with_every_parameter(migration_file: Path) -> None:
    result = run("export", str(migration_file), "--format", "portable-uris")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all("&digits=" in line and "&algorithm=SHA1" in line for line in lines)
    assert "&period=30" in lines[0] and "&counter=7" in lines[1]
    again = transfer.read(result.stdout)
    original = transfer.read(migration_file.read_text())
    assert [(a.type, a.name, a.otp.secret) for a in again.accounts] == [
        (a.type, a.name, a.otp.secret) for a in original.accounts
    ]


HOSTILE = "alice\x1b[2J\x1b]52;c;aGk=\x07\x1b]0;title\x07\u202eevil\u2066\x9b\u2028"


def test_import_escapes_terminal_controls_and_bidi_overrides(tmp_path: Path) -> None:
    """Labels from an untrusted file reach the terminal escaped: no clear-screen, OSC 52 or title write."""
    source = tmp_path / "team.json"
    source.write_text(json.dumps({HOSTILE: S32, "bob\x1bc": "not base32!"}))
    result = run("import", str(source))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "team: 1 account(s) imported, 1 skipped",
        "  totp      alice\\x1b[2J\\x1b]52;c;aGk=\\x07\\x1b]0;title\\x07\\u202eevil\\u2066\\x9b\\u2028  (SHA1, 6 digits, 30 s)",
        "  skipped   bobx1bc: Non-base32 digit found".replace("x1b", "\\x1b"),
    ]
    assert all(ch == "\n" or ch.isprintable() for ch in result.stdout)
    exported = run("export", str(source), "--format", "uris")
    assert exported.stderr == "skipped bob\\x1bc: Non-base32 digit found\n"


@pytest.mark.parametrize("text", ["plain", "\x1b[31mred", "a\u202eb\u2069", "tab\there", "\ud800", "é 😀 中"])
def test_printable_escapes_only_what_moves_the_terminal(text: str) -> None:
    from pyotp_rs.cli.output import printable

    shown = printable(text)
    assert shown.isprintable()
    bidi = {"\u202e", "\u2069"}
    assert shown == "".join(
        repr(ch)[1:-1] if not ch.isprintable() or ch in bidi else ch for ch in text
    ).replace("\\t", "\\x09")


def test_export_refuses_to_overwrite_without_force_and_writes_a_new_private_file(
    tmp_path: Path, migration_file: Path
) -> None:
    out = tmp_path / "uris.txt"
    out.write_text("old")
    out.chmod(0o644)
    result = run("export", str(migration_file), "--format", "uris", "-o", str(out))
    assert_one_line_error(result, 1, f"{out} already exists: give --force to overwrite it")
    assert out.read_text() == "old"
    result = run("export", str(migration_file), "--format", "uris", "-o", str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert out.read_text().count("otpauth://") == 2 and stat.S_IMODE(out.stat().st_mode) == 0o600
    png = tmp_path / "codes.png"
    png.symlink_to(out)
    result = run("export", str(migration_file), "--format", "migration", "-o", str(png))
    assert_one_line_error(result, 1, f"{png} already exists")
    assert (
        run("export", str(migration_file), "--format", "migration", "-o", str(png), "--force").returncode == 0
    )
    assert not png.is_symlink() and out.read_text().count("otpauth://") == 2
