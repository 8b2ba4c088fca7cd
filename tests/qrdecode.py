"""Reading pyotp_rs's QR codes back: a real decoder (zxing-cpp) and rasterisers for SVG and text."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import zxingcpp
from PIL import Image

SVG_NS = "{http://www.w3.org/2000/svg}"
_RECT = r"M(\d+) (\d+)h(\d+)v1h-\3z"
_HALF_BLOCKS = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}


def decode(image: Image.Image, *, inverted: bool = False) -> str:
    """The text of the one QR code in ``image``; ``inverted`` also accepts light-on-dark codes."""
    found = zxingcpp.read_barcodes(
        image.convert("L"),
        formats=zxingcpp.BarcodeFormat.QRCode,
        try_invert=inverted,
        text_mode=zxingcpp.TextMode.Plain,
    )
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return found[0].text


def open_png(data: bytes) -> Image.Image:
    """Opens PNG bytes with Pillow, checking that they are a complete PNG image."""
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    return image


def pixel_modules(image: Image.Image, scale: int) -> list[list[bool]]:
    """The dark/light grid of a black-on-white image made of ``scale``-pixel squares.

    Fails unless every square is a single colour, black (0) or white (255).
    """
    gray = image.convert("L")
    width, height = gray.size
    assert width == height and width % scale == 0
    pixels = gray.tobytes()
    grid = []
    for top in range(0, height, scale):
        row = []
        for left in range(0, width, scale):
            square = {pixels[(top + dy) * width + left + dx] for dy in range(scale) for dx in range(scale)}
            assert square in ({0}, {255}), f"mixed square at {left},{top}: {square}"
            row.append(square == {0})
        grid.append(row)
    return grid


def svg_modules(svg: str, scale: int) -> list[list[bool]]:
    """Parses pyotp_rs's SVG (a white square and one path of unit rectangles) into its grid.

    Checks the document's structure on the way: the SVG namespace, a square ``viewBox``
    in modules, ``width``/``height`` of ``modules * scale`` pixels, and a path made only
    of non-overlapping one-module-high rectangles.
    """
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    _, _, side, side_y = (int(v) for v in root.attrib["viewBox"].split())
    assert side == side_y
    assert root.attrib["width"] == root.attrib["height"] == str(side * scale)
    background, path = list(root)
    assert background.tag == f"{SVG_NS}rect" and background.attrib["fill"] == "#fff"
    assert background.attrib["width"] == background.attrib["height"] == str(side)
    assert path.tag == f"{SVG_NS}path" and path.attrib["fill"] == "#000"
    d = path.attrib["d"]
    assert re.fullmatch(f"(?:{_RECT})*", d)
    grid = [[False] * side for _ in range(side)]
    for x, y, run in re.findall(_RECT, d):
        for column in range(int(x), int(x) + int(run)):
            assert not grid[int(y)][column], "overlapping rectangles"
            grid[int(y)][column] = True
    return grid


def text_ink(text: str) -> list[list[bool]]:
    """Which half-character cells of ``terminal()`` text carry ink, two rows per line."""
    lines = text.split("\n")
    assert len({len(line) for line in lines}) == 1, "ragged lines"
    grid = []
    for line in lines:
        halves = [_HALF_BLOCKS[char] for char in line]
        grid.append([top for top, _ in halves])
        grid.append([bottom for _, bottom in halves])
    return grid


def draw(grid: list[list[bool]], *, ink: int, background: int, scale: int = 4) -> Image.Image:
    """An image of a grid: cells that are set in ``ink``, others in ``background`` (0 to 255).

    Used to show terminal text as a terminal would, light text on dark or dark on light,
    and to frame it in the terminal's background colour.
    """
    margin = 4
    rows, columns = len(grid), len(grid[0])
    image = Image.new("L", ((columns + 2 * margin) * scale, (rows + 2 * margin) * scale), background)
    for y, row in enumerate(grid):
        for x, set_ in enumerate(row):
            if set_:
                left, top = (x + margin) * scale, (y + margin) * scale
                image.paste(ink, (left, top, left + scale, top + scale))
    return image
