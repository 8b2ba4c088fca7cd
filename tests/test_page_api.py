"""The two endpoints the web page adds to the service, over real HTTP: every token's current and next
code (``GET /api/v1/codes/next``) and the text of a QR-code image (``POST /api/v1/qr/decode``)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pyotp
import pytest
import qrcode
from PIL import Image
from servicekit import ServiceProcess, run_pyotp_rs, service_env, start_service

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEH"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    process = start_service(tmp_path_factory.mktemp("page-api"))
    process.session.headers["Origin"] = process.url  # uploads come from the page, which names its origin
    yield process
    process.stop()


def qr_image(text: str, *, copies: int = 1, kind: str = "PNG") -> bytes:
    code = qrcode.make(text).get_image().convert("RGB")
    sheet = Image.new("RGB", (code.width * copies, code.height), "white")
    for i in range(copies):
        sheet.paste(code, (i * code.width, 0))
    out = io.BytesIO()
    sheet.save(out, kind)
    return out.getvalue()


def test_next_codes_are_pyotps(server: ServiceProcess) -> None:
    server.delete("/api/v1/tokens")
    tokens = [
        ({"name": "a", "secret": SECRET, "period": 10}, pyotp.TOTP(SECRET, interval=10)),
        (
            {"name": "b", "secret": SECRET, "digits": 8, "algorithm": "sha512"},
            pyotp.TOTP(SECRET, digits=8, digest=hashlib.sha512),
        ),
    ]
    ids = [server.post("/api/v1/tokens", json=body).json()["data"]["id"] for body, _ in tokens]
    response = server.get("/api/v1/codes/next")
    assert response.status_code == 200
    data = response.json()["data"]
    assert [item["id"] for item in data] == ids
    for item, (_, totp) in zip(data, tokens):
        period = int(totp.interval)
        now = int(datetime.fromisoformat(item["generated_at"]).timestamp())
        assert item["period"] == period
        assert item["remaining_seconds"] == period - now % period
        assert item["code"] == totp.at(now)
        assert item["next_code"] == totp.at(now + item["remaining_seconds"])
        assert 0 < item["ends_in_ms"] <= item["remaining_seconds"] * 1000


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "GIF", "BMP", "WEBP"])
def test_qr_decode_reads_an_image(server: ServiceProcess, kind: str) -> None:
    uri = pyotp.TOTP(SECRET).provisioning_uri(name="alice@example.com", issuer_name="Example Corp")
    response = server.post(
        "/api/v1/qr/decode", data=qr_image(uri, kind=kind), headers={"Content-Type": f"image/{kind.lower()}"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "data": {"text": uri}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "Send the image file as the request body or as the multipart field 'file'"),
        (b"GIF89a but not really", "Not an image this service can read (PNG, JPEG, GIF, BMP or WebP)"),
        (
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
            "Not an image this service can read (PNG, JPEG, GIF, BMP or WebP)",
        ),
        (
            qr_image("otpauth://totp/x?secret=" + SECRET, copies=2),
            "The image holds 2 QR codes: crop it to the one to add",
        ),
    ],
    ids=["empty", "not-an-image", "broken-png", "two-codes"],
)
def test_qr_decode_refuses_in_words(server: ServiceProcess, body: bytes, message: str) -> None:
    response = server.post("/api/v1/qr/decode", data=body, headers={"Content-Type": "image/png"})
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": message}


def test_qr_decode_takes_a_multipart_upload(server: ServiceProcess) -> None:
    """As ``curl -F file=@shot.png`` sends it, the way /api/v1/import takes files (issue 26)."""
    uri = pyotp.TOTP(SECRET).provisioning_uri(name="alice@example.com", issuer_name="Example Corp")
    response = server.post("/api/v1/qr/decode", files={"file": ("shot.png", qr_image(uri), "image/png")})
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "data": {"text": uri}}
    response = server.post("/api/v1/qr/decode", files={"image": ("shot.png", qr_image(uri), "image/png")})
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "Send the image as the multipart field 'file'"}


@pytest.mark.parametrize("kind", ["TIFF", "SGI", "PPM", "TGA", "ICO", "PCX", "DDS", "JPEG2000"])
def test_qr_decode_reads_no_other_format(server: ServiceProcess, kind: str) -> None:
    """Only the PNG, JPEG, GIF, BMP and WebP decoders are reachable, even for a readable QR code."""
    uri = "otpauth://totp/x?secret=" + SECRET
    image = Image.open(io.BytesIO(qr_image(uri))).convert("RGB").resize((256, 256))
    out = io.BytesIO()
    image.save(out, kind)
    response = server.post("/api/v1/qr/decode", data=out.getvalue())
    assert response.status_code == 400
    assert response.json()["error"] == "Not an image this service can read (PNG, JPEG, GIF, BMP or WebP)"


def test_qr_decode_without_a_code(server: ServiceProcess) -> None:
    out = io.BytesIO()
    Image.new("L", (300, 200), 255).save(out, "PNG")
    response = server.post("/api/v1/qr/decode", data=out.getvalue())
    assert (response.status_code, response.json()["error"]) == (400, "No QR code found in the image")


def test_qr_decode_limits(server: ServiceProcess) -> None:
    out = io.BytesIO()
    Image.new("1", (5000, 4000), 1).save(out, "PNG")
    response = server.post("/api/v1/qr/decode", data=out.getvalue())
    assert response.status_code == 400
    assert response.json()["error"] == "Image too large: 5000x4000 pixels, the limit is 16777216"
    big = b"\x00" * (8 * 1024 * 1024 + 1)
    response = server.post("/api/v1/qr/decode", data=big)
    assert response.status_code == 413
    assert response.json() == {"success": False, "error": "Image too large: the limit is 8 MiB"}


def test_page_endpoints_need_the_api_token(
    service_factory: Callable[..., ServiceProcess], database: str, tmp_path: Path
) -> None:
    env = service_env(tmp_path)
    created = run_pyotp_rs("api-token", "create", "t", "--db", database, env=env)
    assert created.returncode == 0, created.stderr
    server = service_factory(env=env)
    assert server.get("/").status_code == 200
    assert server.get("/assets/page.js").status_code == 200
    assert server.get("/api/v1/codes/next").status_code == 401
    assert server.post("/api/v1/qr/decode", data=b"x").status_code == 401
    bearer = {"Authorization": f"Bearer {created.stdout.strip()}"}
    assert server.get("/api/v1/codes/next", headers=bearer).json() == {"success": True, "data": []}
