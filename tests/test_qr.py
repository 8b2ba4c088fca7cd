"""QR codes (``pyotp_rs.qr``): every PNG, SVG and terminal drawing decodes back to its exact URI.

Decoding is done by zxing-cpp; SVG and terminal text are rasterised by ``qrdecode`` first.
URIs are built with the real pyotp, so they are independent of pyotp_rs's own URI code.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
import pyotp_rs
import pytest
from gil import stall
from hypothesis import given
from hypothesis import strategies as st
from pyotp_rs.qr import QRCode, make
from qrdecode import decode, draw, open_png, pixel_modules, svg_modules, text_ink

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

URIS = {
    "minimal": pyotp.TOTP(SECRET).provisioning_uri(),
    "issuer": pyotp.TOTP(SECRET).provisioning_uri(name="alice@example.com", issuer_name="Example Co"),
    "unicode label": pyotp.TOTP(SECRET).provisioning_uri(name="Zoë Ünïcødé 用户", issuer_name="Exämple 公司"),
    "8 digits SHA512": pyotp.TOTP(SECRET, digits=8, digest=hashlib.sha512, interval=60).provisioning_uri(
        name="bob", issuer_name="Bank"
    ),
    "hotp": pyotp.HOTP(SECRET, initial_count=42).provisioning_uri(name="carol", issuer_name="VPN"),
    "image": pyotp.TOTP(SECRET).provisioning_uri(
        name="dave", issuer_name="Example", image="https://example.com/logo.png"
    ),
    "raw unicode text": f"otpauth://totp/Zoë:用户?secret={SECRET}&issuer=Zoë",
}


def image_uri(padding: int) -> str:
    """A provisioning URI whose ``image`` parameter grows with ``padding``."""
    return pyotp.TOTP(SECRET).provisioning_uri(
        name="alice@example.com", issuer_name="Example", image="https://example.com/" + "x" * padding
    )


def version_of(uri: str) -> int:
    """The QR version of ``uri``, or 41 when it does not fit version 40."""
    try:
        return make(uri).version
    except ValueError:
        return 41


def longest_uri(version: int) -> tuple[str, str]:
    """The longest ``image_uri`` still fitting ``version``, and the one a character longer."""
    low, high = 0, 3000
    while low < high:
        middle = (low + high + 1) // 2
        if version_of(image_uri(middle)) <= version:
            low = middle
        else:
            high = middle - 1
    return image_uri(low), image_uri(low + 1)


BOUNDARY_VERSIONS = [9, 14, 27, 40]


@pytest.fixture(scope="module", params=BOUNDARY_VERSIONS, ids=lambda v: f"v{v}")
def boundary(request: pytest.FixtureRequest) -> tuple[int, str, str]:
    """A version, its longest URI and the URI one character longer."""
    return (request.param, *longest_uri(request.param))


def frame(grid: list[list[bool]], border: int) -> list[list[bool]]:
    """``grid`` surrounded by ``border`` light modules."""
    side = len(grid) + 2 * border
    blank = [[False] * side for _ in range(border)]
    return blank + [[False] * border + row + [False] * border for row in grid] + blank


def modules(code: QRCode) -> list[list[bool]]:
    """The symbol's modules without the quiet zone, read from a one-pixel-per-module PNG."""
    return pixel_modules(open_png(code.png(scale=1, border=0)), 1)


@pytest.mark.parametrize("uri", URIS.values(), ids=URIS.keys())
def test_png_decodes_to_the_uri(uri: str) -> None:
    code = make(uri)
    image = open_png(code.png())
    assert image.mode == "1"
    assert image.size == ((code.size + 2 * 4) * 10,) * 2
    assert decode(image) == uri


@pytest.mark.parametrize("uri", URIS.values(), ids=URIS.keys())
def test_svg_decodes_to_the_uri(uri: str) -> None:
    code = make(uri)
    grid = svg_modules(code.svg(scale=3), 3)
    assert grid == frame(modules(code), 4)
    assert decode(draw(grid, ink=0, background=255)) == uri


def test_uris_at_version_limits_decode(boundary: tuple[int, str, str]) -> None:
    version, longest, one_more = boundary
    code = make(longest)
    assert code.version == version
    assert code.size == 17 + 4 * version
    assert decode(open_png(code.png(scale=4))) == longest
    grid = svg_modules(code.svg(scale=1), 1)
    assert decode(draw(grid, ink=0, background=255, scale=4)) == longest
    if version < 40:
        assert make(one_more).version == version + 1
    else:
        with pytest.raises(ValueError, match=r"^data too long for a QR code: \d+ bytes do not fit"):
            make(one_more)


@pytest.mark.parametrize(
    ("scale", "border"), [(1, 0), (1, 4), (2, 1), (3, 2), (7, 0), (10, 4), (1, 64), (16, 1)]
)
def test_png_size_and_pixels_follow_scale_and_border(scale: int, border: int) -> None:
    code = make(URIS["issuer"])
    image = open_png(code.png(scale=scale, border=border))
    assert image.size == ((code.size + 2 * border) * scale,) * 2
    assert pixel_modules(image, scale) == frame(modules(code), border)
    if border >= 2:
        assert decode(image) == URIS["issuer"]


def test_largest_scale() -> None:
    code = make(URIS["minimal"])
    assert open_png(code.png(scale=64, border=0)).size == (code.size * 64,) * 2


def test_border_given_at_construction_is_the_default() -> None:
    uri = URIS["hotp"]
    code = make(uri, border=2)
    assert code.border == 2
    assert code.png() == make(uri).png(border=2)
    assert code.svg(scale=2) == make(uri).svg(scale=2, border=2)
    assert code.terminal() == make(uri).terminal(border=2)
    assert code.png(border=0) == make(uri).png(border=0)


@pytest.mark.parametrize("uri", URIS.values(), ids=URIS.keys())
def test_terminal_reads_on_dark_and_light_backgrounds(uri: str) -> None:
    code = make(uri)
    framed = frame(modules(code), 4)
    side = len(framed)
    for invert in (False, True):
        text = code.terminal(invert=invert)
        ink = text_ink(text)
        assert len(ink) == side + 1  # an odd side leaves the last half row empty
        assert ink[side] == [False] * side
        assert ink[:side] == [[dark == invert for dark in row] for row in framed]
    dark_terminal = draw(text_ink(code.terminal()), ink=255, background=0)
    light_terminal = draw(text_ink(code.terminal(invert=True)), ink=0, background=255)
    assert decode(dark_terminal) == uri
    assert decode(light_terminal) == uri
    # The default on a light terminal is the code in negative, with its quiet zone drawn.
    assert decode(draw(text_ink(code.terminal()), ink=0, background=255), inverted=True) == uri


def test_terminal_has_no_escape_sequences() -> None:
    text = make(URIS["issuer"]).terminal(border=1)
    assert set(text) <= {" ", "▀", "▄", "█", "\n"}
    assert not text.endswith("\n")


def test_data_uri_is_the_png_in_base64() -> None:
    code = make(URIS["image"])
    prefix = "data:image/png;base64,"
    assert code.data_uri().startswith(prefix)
    assert base64.b64decode(code.data_uri().removeprefix(prefix), validate=True) == code.png()
    small = code.data_uri(scale=2, border=1)
    assert base64.b64decode(small.removeprefix(prefix)) == code.png(scale=2, border=1)
    assert decode(open_png(code.png(scale=2, border=1))) == URIS["image"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("code.png", "png"), ("CODE.PNG", "png"), ("code.svg", "svg"), ("code.Svg", "svg"), ("code.txt", "txt")],
)
@pytest.mark.parametrize("as_path", [True, False])
def test_save_picks_the_format_from_the_extension(
    tmp_path: Path, name: str, expected: str, as_path: bool
) -> None:
    code = make(URIS["issuer"])
    target = tmp_path / name
    code.save(target if as_path else str(target), scale=3, border=2)
    written = target.read_bytes()
    if expected == "png":
        assert written == code.png(scale=3, border=2)
        assert decode(open_png(written)) == URIS["issuer"]
    elif expected == "svg":
        assert written.decode() == code.svg(scale=3, border=2)
    else:
        assert written.decode() == code.terminal(border=2) + "\n"


@pytest.mark.parametrize("name", ["code.jpg", "code", "code.png.gz", ".png"])
def test_save_refuses_unknown_extensions(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="use a .png, .svg or .txt file name"):
        make(URIS["minimal"]).save(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_save_creates_files_readable_by_the_owner_only(tmp_path: Path) -> None:
    """The image holds the secret: a new file gets mode 0600 whatever the umask allows."""
    old_umask = os.umask(0o022)
    try:
        for name in ("code.png", "code.svg", "code.txt"):
            make(URIS["issuer"]).save(tmp_path / name)
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old_umask)


def test_save_replaces_an_existing_file_and_link_with_a_private_file(tmp_path: Path) -> None:
    """An existing 0644 file is replaced by a new 0600 one (not rewritten in place), and a
    symbolic link at the path is replaced, never followed; nothing else is left behind."""
    code = make(URIS["issuer"])
    old, target, link = tmp_path / "old.png", tmp_path / "target.txt", tmp_path / "link.png"
    old.write_bytes(b"old")
    old.chmod(0o644)
    target.write_text("keep")
    target.chmod(0o644)
    link.symlink_to(target)
    code.save(old)
    code.save(link)
    assert old.read_bytes() == code.png() and old.stat().st_mode & 0o777 == 0o600
    assert not link.is_symlink() and link.read_bytes() == code.png() and link.stat().st_mode & 0o777 == 0o600
    assert target.read_text() == "keep" and target.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.png", "old.png", "target.txt"]


@pytest.mark.parametrize("option", [{"scale": 3}, {"invert": True}])
def test_qr_says_where_rendering_options_belong(option: dict[str, object]) -> None:
    """``totp.qr(scale=3)`` names the rendering methods instead of pyotp's URI-parameter error."""
    (name,) = option
    with pytest.raises(TypeError, match=f"qr\\(\\) got '{name}', which belongs to .* png\\(\\), svg\\(\\)"):
        pyotp_rs.TOTP(SECRET).qr(**option)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_qrcode_pickles_and_copies(protocol: int) -> None:
    """A QRCode survives pickle (every protocol) and copy with its URI, level and border."""
    code = make(URIS["issuer"], error_correction="H", border=2)
    for clone in (pickle.loads(pickle.dumps(code, protocol)), copy.copy(code), copy.deepcopy(code)):
        assert type(clone) is QRCode
        assert (clone.uri, clone.error_correction, clone.border) == (code.uri, "H", 2)
        assert clone.png() == code.png() and clone.terminal() == code.terminal()


def test_save_reports_os_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        make(URIS["minimal"]).save(tmp_path / "missing" / "code.png")


def test_jupyter_display_shows_png_and_svg() -> None:
    from IPython.core.formatters import DisplayFormatter

    code = make(URIS["issuer"])
    assert code._repr_png_() == code.png()
    assert code._repr_svg_() == code.svg()
    data, _ = DisplayFormatter().format(code)
    assert decode(open_png(data["image/png"])) == URIS["issuer"]
    assert data["image/svg+xml"] == code.svg()
    assert (
        data["text/plain"]
        == f"<QRCode version {code.version}, {code.size}x{code.size} modules, error correction M>"
    )


def test_attributes_are_read_only() -> None:
    code = QRCode(URIS["minimal"])
    assert (code.uri, code.error_correction, code.border) == (URIS["minimal"], "M", 4)
    assert code.size == 17 + 4 * code.version
    with pytest.raises(AttributeError):
        code.uri = "otpauth://totp/other?secret=" + SECRET  # type: ignore[misc]


def test_error_correction_levels() -> None:
    uri = URIS["issuer"]
    codes = [make(uri, error_correction=level) for level in "LMQH"]
    assert [c.error_correction for c in codes] == list("LMQH")
    versions = [c.version for c in codes]
    assert versions == sorted(versions) and versions[0] < versions[-1]
    for code in codes:
        assert decode(open_png(code.png(scale=4))) == uri
    assert make(uri, error_correction="q").png() == codes[2].png()


def test_otp_objects_give_their_provisioning_uri() -> None:
    totp = pyotp_rs.TOTP(SECRET, name="alice@example.com", issuer="Example", digits=8, digest=hashlib.sha256)
    hotp = pyotp_rs.HOTP(SECRET, name="bob", issuer="VPN", initial_count=7)
    assert totp.qr().uri == totp.provisioning_uri() == make(totp).uri == QRCode(totp).uri
    assert hotp.qr().uri == hotp.provisioning_uri()
    assert totp.qr().png() == make(totp.provisioning_uri()).png()
    forwarded = totp.qr(name="carol", issuer_name="Other", image="https://example.com/c.png")
    assert forwarded.uri == totp.provisioning_uri(
        name="carol", issuer_name="Other", image="https://example.com/c.png"
    )
    assert decode(open_png(forwarded.png())) == forwarded.uri
    styled = hotp.qr(error_correction="H", border=1)
    assert (styled.error_correction, styled.border) == ("H", 1)
    # Any object with provisioning_uri() works, pyotp's own classes included.
    reference = pyotp.TOTP(SECRET, name="dave", issuer="Example")
    assert make(reference).uri == reference.provisioning_uri()
    assert decode(open_png(make(reference).png())) == reference.provisioning_uri()


class _BadOtp:
    def provisioning_uri(self) -> object:
        return 42


class _FailingOtp:
    def provisioning_uri(self) -> str:
        raise RuntimeError("no uri today")


BAD_ARGUMENTS = [
    (lambda c: c.png(scale=0), ValueError, "scale must be an integer from 1 to 64"),
    (lambda c: c.png(scale=65), ValueError, "scale must be an integer from 1 to 64"),
    (lambda c: c.svg(scale=-1), ValueError, "scale must be an integer from 1 to 64"),
    (lambda c: c.data_uri(scale=10**30), ValueError, "scale must be an integer from 1 to 64"),
    (lambda c: c.save("x.png", scale=0), ValueError, "scale must be an integer from 1 to 64"),
    (lambda c: c.png(border=-1), ValueError, "border must be an integer from 0 to 64"),
    (lambda c: c.svg(border=65), ValueError, "border must be an integer from 0 to 64"),
    (lambda c: c.terminal(border=-(10**30)), ValueError, "border must be an integer from 0 to 64"),
    (lambda c: make(c.uri, border=65), ValueError, "border must be an integer from 0 to 64"),
    (
        lambda c: make(c.uri, error_correction="X"),
        ValueError,
        "error_correction must be 'L', 'M', 'Q' or 'H', not \"X\"",
    ),
    (lambda c: make(c.uri, error_correction=""), ValueError, "error_correction must be"),
    (
        lambda c: make("x" * 2332),
        ValueError,
        "data too long for a QR code: 2332 bytes do not fit at error correction M",
    ),
    (lambda c: make("é" * 1200, error_correction="H"), ValueError, "data too long for a QR code: 2400 bytes"),
    (lambda c: c.png(scale="3"), TypeError, "cannot be interpreted as an integer|'str' object"),
    (lambda c: c.png(scale=2.0), TypeError, "'float' object"),
    (lambda c: make(42), TypeError, "expected a str URI or an object with provisioning_uri\\(\\), not 'int'"),
    (lambda c: make(b"otpauth://totp/x"), TypeError, "not 'bytes'"),
    (lambda c: make(_BadOtp()), TypeError, "provisioning_uri\\(\\) returned 'int', not str"),
    (lambda c: make(_FailingOtp()), RuntimeError, "no uri today"),
    (lambda c: make(c.uri, error_correction=None), TypeError, "error_correction"),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD_ARGUMENTS)
def test_bad_arguments_raise(
    call: Callable[[QRCode], object],
    error: type[Exception],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=message):
        call(make(URIS["minimal"]))
    assert list(tmp_path.iterdir()) == []


@given(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=300))
def test_any_text_round_trips(text: str) -> None:
    assert decode(open_png(make(text).png(scale=3))) == text


labels = st.text(st.characters(exclude_categories=["Cs"], exclude_characters=":"), min_size=1, max_size=40)


@given(
    secret=st.integers(4, 8).flatmap(
        lambda k: st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=8 * k, max_size=8 * k)
    ),
    name=labels,
    issuer=st.none() | labels,
    digits=st.sampled_from([6, 7, 8]),
    digest=st.sampled_from([hashlib.sha1, hashlib.sha256, hashlib.sha512]),
    interval=st.integers(1, 120),
)
def test_pyotp_uris_round_trip(
    secret: str, name: str, issuer: str | None, digits: int, digest: Callable[..., Any], interval: int
) -> None:
    reference = pyotp.TOTP(secret, digits=digits, digest=digest, name=name, issuer=issuer, interval=interval)
    ours = pyotp_rs.TOTP(secret, digits=digits, digest=digest, name=name, issuer=issuer, interval=interval)
    uri = reference.provisioning_uri()
    assert ours.qr().uri == uri
    assert decode(open_png(make(reference).png(scale=3))) == uri


@pytest.mark.parametrize("render", ["png", "data_uri", "save"])
def test_rendering_releases_the_gil(render: str, tmp_path: Path) -> None:
    code = make("otpauth://totp/x?secret=" + "A" * 1500, error_correction="H")
    call = {
        "png": lambda: code.png(scale=24),
        "data_uri": lambda: code.data_uri(scale=24),
        "save": lambda: code.save(tmp_path / "code.png", scale=24),
    }[render]
    took, stalled = stall(call)
    assert stalled < took / 2, (took, stalled)
