"""The web page of ``pyotp-rs serve`` in a real Chromium (Debian's, driven by Playwright), against a real
server process: codes equal pyotp's, countdowns follow each token's period, copy, filter, delete, QR
codes both ways, the API-token prompt, and API errors shown next to their field.

Codes are computed by the server for its request time, so the tests use the real clock (a 10-second
period where they wait for a step to end) rather than Playwright's fake page clock, which would move
the page's countdown but not the server's codes.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import qrcode
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from qrdecode import decode
from servicekit import ServiceProcess, run_pyotp_rs, service_env, start_service

pytestmark = pytest.mark.slow

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEH"
OTHER_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    process = start_service(tmp_path_factory.mktemp("page"))
    yield process
    process.stop()


@pytest.fixture
def site(server: ServiceProcess, page: Page) -> Iterator[ServiceProcess]:
    """The server with no tokens, and ``page`` failing the test on any script error."""
    assert server.delete("/api/v1/tokens").status_code == 200
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield server
    assert errors == []


def add_token(server: ServiceProcess, **fields: Any) -> dict[str, Any]:
    response = server.post("/api/v1/tokens", json=fields)
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def card(page: Page, name: str) -> Any:
    return page.locator(".card", has=page.locator(".name", has_text=name))


def shown_code(page: Page, name: str) -> str:
    digits = card(page, name).locator(".digits")
    expect(digits).not_to_be_empty()
    return digits.inner_text().replace(" ", "")


def assert_current(code: str, totp: pyotp.TOTP, before: float) -> None:
    """``code`` is ``totp``'s code at some second from ``before`` to now.

    A page may show a step's code up to about a second after the step ended on the server
    (``remaining_seconds`` is whole seconds, and the page never switches early), hence the second
    before ``before``.
    """
    now = time.time()
    valid = {totp.at(int(t)) for t in range(int(before) - 1, int(now) + 1)}
    assert code in valid, (code, valid)


def test_page_is_self_contained(site: ServiceProcess, page: Page) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(site.url + "/")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("#empty")).to_be_visible()
    assert requested and all(url.startswith(site.url + "/") for url in requested), requested


def test_add_by_uri_shows_pyotps_code(site: ServiceProcess, page: Page) -> None:
    page.goto(site.url + "/")
    uri = pyotp.TOTP(OTHER_SECRET).provisioning_uri(name="ops@example.com", issuer_name="AWS")
    page.get_by_label("otpauth URI").fill(uri)
    before = time.time()
    page.get_by_role("button", name="Add from URI").click()
    expect(card(page, "ops@example.com").locator(".issuer")).to_have_text("AWS")
    assert_current(shown_code(page, "ops@example.com"), pyotp.TOTP(OTHER_SECRET), before)
    expect(page.get_by_label("otpauth URI")).to_have_value("")


def test_add_by_form_shows_pyotps_code(site: ServiceProcess, page: Page) -> None:
    page.goto(site.url + "/")
    page.get_by_label("Name", exact=True).fill("alice")
    page.get_by_label("Secret (base32)", exact=True).fill(SECRET.lower())
    page.get_by_label("Issuer", exact=True).fill("Example Corp")
    page.get_by_label("Digits", exact=True).select_option("8")
    page.get_by_label("Period (seconds)", exact=True).fill("60")
    page.get_by_label("Algorithm", exact=True).select_option("sha256")
    before = time.time()
    page.get_by_role("button", name="Add token").click()
    code = shown_code(page, "alice")
    assert_current(code, pyotp.TOTP(SECRET, digits=8, interval=60, digest=hashlib.sha256), before)
    expect(card(page, "alice").locator(".digits")).to_have_text(f"{code[:4]} {code[4:]}")
    expect(card(page, "alice").locator(".issuer")).to_have_text("Example Corp")
    [token] = site.get("/api/v1/tokens").json()["data"]
    assert (token["digits"], token["period"], token["algorithm"]) == (8, 60, "sha256")


def test_countdown_next_code_and_step_boundary(site: ServiceProcess, page: Page) -> None:
    """A 10-second token: the countdown falls, the next code shows in the last seconds, and the
    shown code changes to pyotp's new code within a second of the step's end."""
    add_token(site, name="short", secret=SECRET, period=10)
    add_token(site, name="long", secret=OTHER_SECRET)
    totp = pyotp.TOTP(SECRET, interval=10)
    page.goto(site.url + "/")
    short = card(page, "short")
    seconds = short.locator(".seconds")
    expect(seconds).to_have_text(re.compile(r"^(10|[4-9]) s$"), timeout=12_000)
    first = int(seconds.inner_text().split()[0])
    expect(seconds).to_have_text(f"{first - 1} s", timeout=2_000)
    old = shown_code(page, "short")
    expect(short.locator(".next")).to_be_visible(timeout=11_000)
    step_end = (int(time.time()) // 10 + 1) * 10
    assert short.locator(".next-code").inner_text().replace(" ", "") == totp.at(step_end)
    expect(short.locator(".digits")).not_to_have_text(f"{old[:3]} {old[3:]}", timeout=5_000)
    changed = time.time()
    assert step_end <= changed < step_end + 1, changed - step_end
    assert shown_code(page, "short") == totp.at(step_end)
    expect(short.locator(".next")).to_be_hidden()
    long_left = int(card(page, "long").locator(".seconds").inner_text().split()[0])
    assert (long_left - (30 - int(time.time()) % 30)) % 30 in (0, 1, 29), long_left


def test_click_and_keyboard_copy_the_code(site: ServiceProcess, page: Page) -> None:
    add_token(site, name="copy me", secret=SECRET)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page.goto(site.url + "/")
    button = card(page, "copy me").locator(".code")
    button.click()
    code = shown_code(page, "copy me")
    expect(card(page, "copy me").locator(".copied")).to_have_text(f"Copied {code[:3]} {code[3:]}")
    assert page.evaluate("navigator.clipboard.readText()") == code
    page.evaluate("navigator.clipboard.writeText('')")
    card(page, "copy me").locator(".copied").evaluate("note => (note.textContent = '')")
    button.focus()
    page.keyboard.press("Enter")
    expect(card(page, "copy me").locator(".copied")).to_have_text(re.compile(r"^Copied \d{3} \d{3}$"))
    assert page.evaluate("navigator.clipboard.readText()") == shown_code(page, "copy me")


def test_filter_as_you_type(site: ServiceProcess, page: Page) -> None:
    add_token(site, name="alice@example.com", issuer="GitHub", secret=SECRET)
    add_token(site, name="ops", issuer="AWS", secret=OTHER_SECRET)
    page.goto(site.url + "/")
    expect(page.locator(".card")).to_have_count(2)
    page.get_by_label("Filter by name, issuer or group").press_sequentially("git")
    expect(page.locator(".card:visible .name")).to_have_text(["alice@example.com"])
    page.get_by_label("Filter by name, issuer or group").fill("OPS")
    expect(page.locator(".card:visible .name")).to_have_text(["ops"])
    page.get_by_label("Filter by name, issuer or group").fill("nothing like it")
    expect(page.locator(".card:visible")).to_have_count(0)
    expect(page.locator("#no-match")).to_be_visible()
    page.get_by_label("Filter by name, issuer or group").fill("")
    expect(page.locator(".card:visible")).to_have_count(2)


def test_delete_asks_first(site: ServiceProcess, page: Page) -> None:
    add_token(site, name="keep", secret=SECRET)
    doomed = add_token(site, name="doomed", secret=OTHER_SECRET)
    page.goto(site.url + "/")
    card(page, "doomed").get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete “doomed”?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".card")).to_have_count(2)
    card(page, "doomed").get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator(".card .name")).to_have_text(["keep"])
    assert site.get(f"/api/v1/tokens/{doomed['id']}").status_code == 404


def test_qr_display_decodes_to_the_tokens_uri(site: ServiceProcess, page: Page) -> None:
    add_token(site, name="alice@example.com", issuer="Example Corp", secret=SECRET, digits=8)
    page.goto(site.url + "/")
    card(page, "alice@example.com").get_by_role("button", name="QR code").click()
    image = page.get_by_role("img", name="QR code of alice@example.com")
    expect(image).to_be_visible()
    page.wait_for_function("document.getElementById('qr-image').complete")
    text = decode(Image.open(io.BytesIO(image.screenshot())))
    expected = pyotp.TOTP(SECRET, digits=8).provisioning_uri(
        name="alice@example.com", issuer_name="Example Corp"
    )
    assert text == expected
    page.keyboard.press("Escape")
    expect(image).to_be_hidden()


def qr_png(text: str) -> bytes:
    out = io.BytesIO()
    qrcode.make(text).save(out)
    return out.getvalue()


def test_add_from_a_qr_code_image(site: ServiceProcess, page: Page, tmp_path: Path) -> None:
    uri = pyotp.TOTP(OTHER_SECRET).provisioning_uri(name="scanned", issuer_name="Paper")
    picture = tmp_path / "screenshot.png"
    picture.write_bytes(qr_png(uri))
    page.goto(site.url + "/")
    before = time.time()
    page.locator("#qr-file").set_input_files(picture)
    assert_current(shown_code(page, "scanned"), pyotp.TOTP(OTHER_SECRET), before)
    expect(card(page, "scanned").locator(".issuer")).to_have_text("Paper")

    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(blank)
    page.locator("#qr-file").set_input_files(blank)
    expect(page.locator("#qr-error")).to_have_text("No QR code found in the image")


def test_paste_a_qr_code_image(site: ServiceProcess, page: Page) -> None:
    uri = pyotp.TOTP(SECRET).provisioning_uri(name="pasted", issuer_name="Clipboard")
    page.goto(site.url + "/")
    page.evaluate(
        """async (bytes) => {
            const file = new File([new Uint8Array(bytes)], "shot.png", { type: "image/png" });
            const data = new DataTransfer();
            data.items.add(file);
            document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
        }""",
        list(qr_png(uri)),
    )
    expect(card(page, "pasted").locator(".issuer")).to_have_text("Clipboard")


def test_invalid_input_is_shown_next_to_its_field(site: ServiceProcess, page: Page) -> None:
    page.goto(site.url + "/")
    page.get_by_label("Name", exact=True).fill("bad")
    page.get_by_label("Secret (base32)", exact=True).fill("not base32!")
    page.get_by_role("button", name="Add token").click()
    expect(page.locator("#secret-error")).to_have_text("Invalid secret: Non-base32 digit found")
    expect(page.get_by_label("Secret (base32)", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Secret (base32)", exact=True)).to_be_focused()

    page.get_by_label("Secret (base32)", exact=True).fill(SECRET)
    page.get_by_label("Period (seconds)", exact=True).fill("0")
    page.get_by_role("button", name="Add token").click()
    expect(page.locator("#period-error")).to_contain_text("interval must be positive")
    expect(page.locator("#secret-error")).to_be_empty()

    page.get_by_label("otpauth URI").fill("otpauth://hotp/x?secret=" + SECRET + "&counter=1")
    page.get_by_role("button", name="Add from URI").click()
    expect(page.locator("#uri-error")).to_have_text("Invalid otpauth URI: only totp URIs can be stored")
    assert site.get("/api/v1/tokens").json()["count"] == 0


def test_api_token_prompt(browser: Browser, tmp_path: Path) -> None:
    env = service_env(tmp_path)
    created = run_pyotp_rs("api-token", "create", "page", "--db", str(tmp_path / "service.sqlite3"), env=env)
    assert created.returncode == 0, created.stderr
    api_token = created.stdout.strip()
    server = start_service(tmp_path, env=env)
    try:
        server.session.headers["Authorization"] = f"Bearer {api_token}"
        add_token(server, name="guarded", secret=SECRET)
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url + "/")
        field = page.get_by_label("API token", exact=True)
        expect(field).to_be_focused()
        expect(page.locator(".card")).to_have_count(0)
        field.fill("pyotprs_wrong")
        field.press("Enter")
        expect(page.locator("#api-token-error")).to_have_text("Invalid API token")
        field.fill(api_token)
        page.get_by_role("button", name="Use this token").click()
        expect(card(page, "guarded")).to_be_visible()
        expect(page.locator("#auth")).to_be_hidden()
        assert page.evaluate("sessionStorage.getItem('pyotp-rs.api-token')") == api_token
        page.reload()
        expect(card(page, "guarded")).to_be_visible()
        context.close()

        fresh = browser.new_context().new_page()
        fresh.goto(server.url + "/")
        expect(fresh.get_by_label("API token", exact=True)).to_be_visible()
        fresh.context.close()
    finally:
        server.stop()


def test_hotp_card_hands_out_the_next_code_on_request(site: ServiceProcess, page: Page) -> None:
    accounts = [pyotp.HOTP(OTHER_SECRET, name="door", issuer="Acme", initial_count=5)]
    accounts.append(pyotp.TOTP(SECRET, name="alice"))
    uris = "\n".join(account.provisioning_uri() for account in accounts)
    assert site.post("/api/v1/import", json={"data": uris}).status_code == 201
    page.goto(site.url + "/")
    door = card(page, "door")
    expect(door.locator(".counter")).to_have_text("Next counter 5")
    expect(door.locator(".time")).to_be_hidden()
    shown_code(page, "alice")
    for counter in (5, 6):
        door.get_by_role("button", name="Next code").click()
        expect(door.locator(".counter")).to_have_text(f"Counter {counter}")
        code = pyotp.HOTP(OTHER_SECRET).at(counter)
        expect(door.locator(".digits")).to_have_text(f"{code[:3]} {code[3:]}")
    page.reload()
    expect(card(page, "door").locator(".counter")).to_have_text("Next counter 7")
    [hotp] = [t for t in site.get("/api/v1/tokens").json()["data"] if t.get("type") == "hotp"]
    assert hotp["counter"] == 7
