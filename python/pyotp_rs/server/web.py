"""The web page at ``/``: its static files, and the two endpoints only the page needs.

The page is a client of the TOTPHog API. It adds ``GET /api/v1/codes/next`` (each token's current
and next code, for the last seconds of a step) and ``POST /api/v1/qr/decode`` (the otpauth URI in a
dropped or pasted QR-code screenshot, read by zxing-cpp on the server).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request, send_from_directory

from .._transfer.images import TooManyPixels, UnreadableImage, scan_qr_codes
from . import access
from .http import public, service, takes_uploads
from .service import BadRequest, NotFound, ServiceError, TokenService, iso_time

__all__ = ["blueprint", "decode_qr"]

blueprint = Blueprint("web", __name__)

STATIC = Path(__file__).with_name("static")
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 16_777_216
"""4096 x 4096 (a 5K screenshot is 14.7 MP): checked from the header, before any pixel is decoded."""
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
"""The only Pillow decoders an upload reaches (not TIFF, SGI, DDS, JPEG 2000...)."""


class ImageTooLarge(ServiceError):
    """An uploaded image over :data:`MAX_IMAGE_BYTES` (413)."""

    status = 413


@blueprint.get("/")
@public
def page() -> Response:
    """The page itself (it holds no token data: the script fetches it from the API).

    The application gives every HTML answer the page's headers (CSP, no framing, no referrer).
    """
    return send_from_directory(STATIC, "index.html")


@blueprint.get("/assets/<path:name>")
@public
def asset(name: str) -> Response:
    """The page's script and style sheet (the page itself is served at ``/`` only)."""
    if name.endswith(".html"):
        raise NotFound("Not found")
    return send_from_directory(STATIC, name)


@blueprint.get("/api/v1/codes/next")
@access.requires("codes")
def next_codes() -> Any:
    """Every TOTP token's current and next code, all at the same second (HOTP tokens are left out).

    ``ends_in_ms`` is when the current code's step ends, to the millisecond, for the page's switch
    to the next code (``remaining_seconds`` counts whole seconds of the request's second).
    """
    moment = time.time()
    now = int(moment)
    data = []
    tokens = [token for token in access.visible(service().list_tokens()) if token.type != "hotp"]
    for token in tokens:  # HOTP tokens have no time-based code: the page asks POST /api/v1/tokens/{id}/next
        current = TokenService.code_of(token, now)
        following = TokenService.code_of(token, now + current.remaining_seconds)
        data.append(
            {
                "id": token.id,
                "code": current.code,
                "next_code": following.code,
                "remaining_seconds": current.remaining_seconds,
                "ends_in_ms": math.ceil((now + current.remaining_seconds - moment) * 1000),
                "period": token.period,
                "generated_at": iso_time(now),
            }
        )
    access.audit("code.read", [token.id for token in tokens])
    return {"success": True, "data": data}


@blueprint.post("/api/v1/qr/decode")
@access.requires("manage")
@takes_uploads
def qr_decode() -> Any:
    """The text of the QR code in the image sent as the body or uploaded as ``file`` (PNG, JPEG, GIF, BMP or WebP)."""
    if (request.content_length or 0) > MAX_IMAGE_BYTES:
        raise ImageTooLarge(f"Image too large: the limit is {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    request.max_content_length = MAX_IMAGE_BYTES
    return {"success": True, "data": {"text": decode_qr(_image_bytes())}}


def _image_bytes() -> bytes:
    """The image: the multipart field ``file`` (as ``curl -F file=@shot.png`` sends it), or the body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadRequest("Send the image as the multipart field 'file'")
        return bytes(upload.read())
    return request.get_data(cache=False)


def decode_qr(data: bytes) -> str:
    """The text of the one QR code in an image file's bytes; anything else is a :class:`BadRequest`."""
    if not data:
        raise BadRequest("Send the image file as the request body or as the multipart field 'file'")
    try:
        found = scan_qr_codes(data, IMAGE_FORMATS, MAX_IMAGE_PIXELS)
    except TooManyPixels as error:
        raise BadRequest(f"Image too large: {error}, the limit is {MAX_IMAGE_PIXELS}") from None
    except UnreadableImage:
        raise BadRequest("Not an image this service can read (PNG, JPEG, GIF, BMP or WebP)") from None
    if not found:
        raise BadRequest("No QR code found in the image")
    if len(found) > 1:
        raise BadRequest(f"The image holds {len(found)} QR codes: crop it to the one to add")
    return found[0]
