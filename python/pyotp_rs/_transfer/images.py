"""QR codes in screenshots (PNG, JPEG): the text of every QR code, read by zxing-cpp.

zxing-cpp and Pillow are optional: they come with the ``qr`` extra (and the ``server`` extra).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

#: What an image file starts with, for the formats read.
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
#: The largest image decoded, in pixels (a 40-megapixel image takes seconds to scan).
MAX_PIXELS = 20_000_000
MISSING = (
    "reading QR codes from images needs zxing-cpp and Pillow: "
    "pip install 'pyotp-rs[qr]' (from a checkout: pip install '.[qr]')"
)


def image_format(data: bytes) -> str | None:
    """``PNG`` or ``JPEG`` when ``data`` starts like one, else ``None``."""
    return next((name for magic, name in SIGNATURES.items() if data.startswith(magic)), None)


class UnreadableImage(ValueError):
    """Bytes that Pillow cannot open as one of the formats allowed."""


class TooManyPixels(ValueError):
    """An image larger than the caller allows, found from its header before any pixel is decoded."""

    def __init__(self, width: int, height: int) -> None:
        super().__init__(f"{width}x{height} pixels")
        self.width, self.height = width, height


def scan_qr_codes(data: bytes, formats: Sequence[str], max_pixels: int) -> list[str]:
    """The text of each QR code in an image file, opened only as one of ``formats``.

    The size is checked from the image's header before it is decoded. Raises ``ImportError``
    naming the extra when zxing-cpp or Pillow is missing, :class:`UnreadableImage` or
    :class:`TooManyPixels`; an image without a QR code gives an empty list.
    """
    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise ImportError(MISSING) from None
    unreadable = (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError)
    try:
        image = Image.open(io.BytesIO(data), formats=list(formats))
        width, height = image.size
    except unreadable:
        raise UnreadableImage("the image cannot be read") from None
    if width * height > max_pixels:
        raise TooManyPixels(width, height)
    try:
        grey = image.convert("L")
    except unreadable:
        raise UnreadableImage("the image cannot be read") from None
    found = zxingcpp.read_barcodes(
        grey,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        text_mode=zxingcpp.TextMode.Plain,
    )
    return [barcode.text for barcode in found]


def qr_texts(data: bytes) -> list[str]:
    """The text of each QR code in a PNG or JPEG image, in reading order.

    Raises ``ImportError`` naming the extra to install when zxing-cpp or Pillow is missing, and
    ``ValueError`` for an unreadable image, one too large, or one without a QR code.
    """
    kind = image_format(data)
    try:
        texts = scan_qr_codes(data, [kind] if kind else ["PNG", "JPEG"], MAX_PIXELS)
    except TooManyPixels as error:
        raise ValueError(f"the image is too large: {error}, the limit is {MAX_PIXELS}") from None
    except UnreadableImage:
        raise ValueError("the image cannot be read (PNG or JPEG expected)") from None
    if not texts:
        raise ValueError("no QR code found in the image")
    return texts
