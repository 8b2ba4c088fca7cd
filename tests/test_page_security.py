"""Other web pages against ``pyotp-rs serve`` open on loopback, in a real Chromium.

- A DNS-rebinding read: Chromium resolves ``evil.example`` to 127.0.0.1 (``--host-resolver-rules``,
  the state after a rebinding), so a page of ``http://evil.example:PORT`` is same-origin with the
  service's port and reads it with its own Host.
- Cross-site writes from a page served by a second loopback origin (127.0.0.2): an auto-submitted
  ``text/plain`` form shaped like JSON, ``no-cors`` fetches to ``/setup`` and ``DELETE``.

All of them fail, and nothing is read, created, changed or deleted.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import Playwright
from servicekit import CHROMIUM, ServiceProcess, start_service

pytestmark = pytest.mark.slow

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEH"
OTHER = "GEZDGNBVGY3TQOJQGEZDGNBVGY"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    process = start_service(tmp_path_factory.mktemp("page-security"))
    yield process
    process.stop()


def attack_page(target: str) -> bytes:
    """A page that tries three writes to ``target`` the moment it loads."""
    form_name = f'{{"name":"planted","secret":"{OTHER}","x":"'
    return f"""<!doctype html><html><body>
<form id="plant" method="POST" action="{target}/api/v1/tokens" enctype="text/plain">
<input type="hidden" name='{form_name}' value='"}}'>
</form>
<script>
window.attempts = Promise.allSettled([
  fetch("{target}/setup", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
        body: JSON.stringify({{username: "alice", secret: "{OTHER}"}})}}),
  fetch("{target}/api/v1/tokens", {{method: "DELETE", mode: "no-cors"}}),
  fetch("{target}/api/v1/tokens", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
        body: JSON.stringify({{name: "planted", secret: "{OTHER}"}})}}),
]).then(() => "done");
</script></body></html>""".encode()


@pytest.fixture
def attacker(server: ServiceProcess) -> Iterator[str]:
    """A second loopback origin (127.0.0.2) serving the attack page; its URL."""
    page = attack_page(server.url)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.2:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def chromium(playwright: Playwright) -> Iterator[Any]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--host-resolver-rules=MAP evil.example 127.0.0.1"]
    )
    yield browser
    browser.close()


def state(server: ServiceProcess) -> list[Any]:
    """Every stored row's id, name and sealed secret (a replaced secret is sealed anew)."""
    return server.sql("SELECT id, name, secret_sealed FROM tokens ORDER BY id")


def test_other_pages_can_neither_read_nor_write(server: ServiceProcess, attacker: str, chromium: Any) -> None:
    assert server.delete("/api/v1/tokens").status_code == 200
    assert (
        server.post("/api/v1/tokens", json={"name": "alice@example.com", "secret": SECRET}).status_code == 201
    )
    assert server.post("/setup", json={"username": "alice", "secret": SECRET}).status_code == 200
    before = state(server)
    page = chromium.new_page()

    rebound = f"http://evil.example:{urlsplit(server.url).port}"
    page.goto(rebound + "/")
    read = page.evaluate(
        """async () => {
            const answers = [];
            for (const path of ["/api/v1/export?format=uris", "/api/v1/tokens", "/api/v1/codes", "/get-totp/alice"]) {
                const response = await fetch(path);
                answers.push([response.status, await response.text()]);
            }
            return answers;
        }"""
    )
    codes = {pyotp.TOTP(SECRET).at(time.time() + drift) for drift in (-30, 0, 30)}
    for status, body in read:
        assert status == 421, body
        assert SECRET not in body and "otpauth" not in body and not any(code in body for code in codes)

    page.goto(attacker)
    assert page.evaluate("window.attempts") == "done"
    with page.expect_navigation():
        page.evaluate("document.getElementById('plant').submit()")
    assert "request refused" in page.content()
    assert state(server) == before
