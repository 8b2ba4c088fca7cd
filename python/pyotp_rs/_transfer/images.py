"""QR codes in screenshots (PNG, JPEG): the text of every QR code, read by zxing-cpp.

zxing-cpp and Pillow are optional: they come with the ``qr`` extra (and the ``server`` extra).
"""

from __future__ import annotations

import io

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


def qr_texts(data: bytes) -> list[str]:
    """The text of each QR code in a PNG or JPEG image, in reading order.

    Raises ``ImportError`` naming the extra to install when zxing-cpp or Pillow is missing, and
    ``ValueError`` for an unreadable image, one too large, or one without a QR code.
    """
    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise ImportError(MISSING) from None
    kind = image_format(data)
    try:
        image = Image.open(io.BytesIO(data), formats=[kind] if kind else ["PNG", "JPEG"])
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ValueError(f"the image is too large: {width}x{height} pixels, the limit is {MAX_PIXELS}")
        grey = image.convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValueError("the image cannot be read (PNG or JPEG expected)") from None
    found = zxingcpp.read_barcodes(
        grey,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        text_mode=zxingcpp.TextMode.Plain,
    )
    if not found:
        raise ValueError("no QR code found in the image")
    return [barcode.text for barcode in found]
