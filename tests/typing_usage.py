"""Typical pyotp code, type-checked with ``mypy --strict`` against pyotp_rs's stubs (not run by pytest)."""

import datetime
import hashlib
import pathlib

import pyotp_rs as pyotp
from pyotp_rs.contrib import Steam
from pyotp_rs.utils import build_uri, compare_digest, strings_equal

secret: str = pyotp.random_base32()
hex_secret: str = pyotp.random_hex(length=40)
totp = pyotp.TOTP(
    secret, digits=8, digest=hashlib.sha256, name="alice@example.com", issuer="Example", interval=30
)
code: str = totp.now()
at_int: str = totp.at(1234567890)
at_float: str = totp.at(1234567890.5, counter_offset=-1)
at_datetime: str = totp.at(datetime.datetime.now(tz=datetime.timezone.utc))
ok: bool = totp.verify(code, valid_window=1)
ok_int: bool = totp.verify(123456, for_time=59)
timecode: int = totp.verify_and_get_timecode(code, for_time=datetime.datetime(2026, 1, 1), valid_window=1)
step: int = totp.timecode(59)
uri: str = totp.provisioning_uri(name="bob", issuer_name="Example", image="https://example.com/logo.png")
interval: int = totp.interval
digits: int = totp.digits
name: str = totp.name
issuer: str | None = totp.issuer
key: bytes = totp.byte_secret()
message: bytes = pyotp.OTP.int_to_bytestring(5, padding=8)
one_shot: str = pyotp.totp_code(secret, 1234567890, digits=8, digest=hashlib.sha256, interval=30)
one_shot_now: str = pyotp.totp_code(secret.encode(), allow_short_secret=True)

hotp = pyotp.HOTP(secret, initial_count=5)
first: str = hotp.at(0)
matched: bool = hotp.verify(first, 0)
hotp_uri: str = hotp.provisioning_uri(name="carol", initial_count=0, issuer_name="Example")
count: int = hotp.initial_count

parsed: pyotp.OTP = pyotp.parse_uri(uri)
generated: str = parsed.generate_otp(0)
steam_code: str = Steam(secret).now()
legacy = pyotp.TOTP("JBSWY3DPEHPK3PXP", allow_short_secret=True)
legacy_allowed: bool = legacy.allow_short_secret
legacy.allow_short_secret = False
legacy_parsed: pyotp.OTP = pyotp.parse_uri(
    "otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP", allow_short_secret=True
)
legacy_hotp = pyotp.HOTP("JBSWY3DPEHPK3PXP", allow_short_secret=True)
legacy_steam = Steam("JBSWY3DPEHPK3PXP", allow_short_secret=True)
built: str = build_uri(secret, "dave", issuer="Example", digits=8, period=60)
same: bool = strings_equal("123456", "123456") and compare_digest("a", "a")

try:
    totp.verify_and_get_timecode("000000", for_time=0)
except pyotp.OTPVerificationError as error:
    failure: pyotp.PyOTPError = error

wallet = pyotp.Wallet({"1": "old secret", 2: b"new secret"}, encrypt_cost=10)
stored: str = totp.to_json(wallet, owner="user-1")
loaded: pyotp.TOTP = pyotp.TOTP.from_json(stored, wallet, owner=b"user-1")
record: dict[str, object] = loaded.to_dict(wallet, format="passlib")
from_record: pyotp.TOTP = pyotp.TOTP.from_dict(record, wallet, format="passlib")
outdated: bool = wallet.needs_rotation(stored)
rotated = wallet.rotate(stored, owner="user-1")
pretty: str = loaded.pretty_key(sep=" ") + loaded.base32_key
match: pyotp.TotpMatch = loaded.match(loaded.now(), window=60)
last_counter: int = match.counter
expires: int = match.expire_time
try:
    loaded.match(123456, for_time=59, last_counter=last_counter)
except pyotp.UsedTokenError as used:
    refused: pyotp.TokenError = used
except pyotp.DecryptionError as undecryptable:
    bad: ValueError = undecryptable

qr_code: pyotp.qr.QRCode = totp.qr(name="bob", error_correction="H", border=2)
qr_png: bytes = qr_code.png(scale=4, border=None)
qr_svg: str = qr_code.svg()
qr_text: str = qr_code.terminal(invert=True)
qr_data_uri: str = pyotp.qr.make(uri).data_uri(scale=2)
hotp_qr: pyotp.qr.QRCode = pyotp.qr.QRCode(hotp, error_correction="L")
qr_size: int = qr_code.size + qr_code.version + qr_code.border
qr_level: str = qr_code.error_correction
qr_code.save(pathlib.Path("code.svg"), scale=3)
enrolment: pyotp.enrollment.Enrollment = pyotp.enroll(
    "Example", "alice", digits=8, period=60, algorithm="SHA256"
)
enrolled_uri: str = enrolment["uri"]
migration_uris: list[str] = pyotp.transfer.write_migration([totp, hotp], batch_id=-1)
report: pyotp.transfer.ImportReport = pyotp.transfer.read("\n".join(migration_uris))
moved: list[pyotp.transfer.Account] = report.accounts
moved_otp: pyotp.OTP = moved[0].otp
moved_kind: str = moved[0].type
moved_skips: list[str] = [f"{entry.label}: {entry.reason}" for entry in report.skipped]
vault_text: str = pyotp.transfer.write_aegis(moved, password="pw")
reopened: pyotp.transfer.ImportReport = pyotp.transfer.read(vault_text.encode(), password="pw")
uri_lines: str = pyotp.transfer.write_uris(reopened.accounts)
