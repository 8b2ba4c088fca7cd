"""Makes docs/page.png, the README's picture of the page of ``pyotp-rs serve``, from the real page.

Run from the repository with the development environment (``bash scripts/check.sh`` creates it):

    .venv/bin/python scripts/page_screenshot.py

It starts ``pyotp-rs serve`` on a free loopback port with a temporary database, adds a few example
tokens through the API and photographs the page in Debian's Chromium, then stops the server.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from servicekit import start_service

CHROMIUM = "/usr/bin/chromium"
EXAMPLES = [
    {"name": "alice@example.com", "issuer": "GitHub", "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEH"},
    {"name": "deploy-bot", "issuer": "AWS", "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY", "digits": 8},
    {"name": "ops@example.com", "issuer": "VPN", "secret": "MFRGGZDFMZTWQ2LKNNWG23TPOA", "period": 10},
    {"name": "shared mailbox", "issuer": "Fastmail", "secret": "KRUGKIDROVUWG2ZAMJZG653OEB"},
]


def main(out: Path = ROOT / "docs" / "page.png") -> None:
    with tempfile.TemporaryDirectory() as directory:
        server = start_service(Path(directory))
        try:
            for token in EXAMPLES:
                server.post("/api/v1/tokens", json=token).raise_for_status()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM)
                page = browser.new_page(viewport={"width": 960, "height": 820}, color_scheme="light")
                page.goto(server.url + "/")
                page.locator(".card .next").first.wait_for(timeout=15_000)
                out.parent.mkdir(exist_ok=True)
                page.screenshot(path=out)
                browser.close()
        finally:
            server.stop()
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
