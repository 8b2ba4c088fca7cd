"""The page follows the caller's role, in a real Chromium against a real server with API tokens: no QR
code, Delete or Add for a ``codes`` token; Edit (rename, move to a group) for ``manage`` and ``admin``;
cards under their group's heading, the filter matching groups; the admins' Activity view of the audit
log. And the page states and details of issue 26: loading, "no tokens yet", cards as tall as their
own content, the "Copied" mark gone with its code, the next code's spacing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from servicekit import ServiceProcess, run_pyotp_rs, service_env, start_service

pytestmark = pytest.mark.slow

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEH"
OTHER_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY"


@dataclass
class Site:
    server: ServiceProcess
    tokens: dict[str, str]

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        return self.server.request(
            method, path, headers={"Authorization": f"Bearer {self.tokens[who]}"}, **kwargs
        )

    def add(self, **fields: Any) -> dict[str, Any]:
        response = self.call("admin", "POST", "/api/v1/tokens", json=fields)
        assert response.status_code == 201, response.text
        return response.json()["data"]  # type: ignore[no-any-return]

    def open(self, browser: Browser, who: str) -> Page:
        """A new tab with ``who``'s API token entered at the prompt."""
        page = browser.new_context().new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(self.server.url + "/")
        page.get_by_label("API token", exact=True).fill(self.tokens[who])
        page.get_by_role("button", name="Use this token").click()
        expect(page.locator("#auth")).to_be_hidden()
        page.errors = errors  # type: ignore[attr-defined]
        return page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp("page-access")
    db = str(directory / "service.sqlite3")
    tokens = {}
    for name, args in (
        ("admin", ()),
        ("codes", ("--role", "codes")),
        ("manager", ("--role", "manage", "--group", "infra")),
    ):
        created = run_pyotp_rs("api-token", "create", name, *args, "--db", db, env=service_env(directory))
        assert created.returncode == 0, created.stderr
        tokens[name] = created.stdout.strip()
    server = start_service(directory, db=db)
    yield Site(server, tokens)
    server.stop()


@pytest.fixture
def accounts(site: Site) -> Iterator[Site]:
    """Three accounts: ``db`` in infra, ``site`` in web, ``loose`` in no group."""
    assert site.call("admin", "DELETE", "/api/v1/tokens").status_code == 200
    site.add(name="db", secret=SECRET, issuer="Infra", group="infra")
    site.add(name="site", secret=OTHER_SECRET, issuer="Web", group="web")
    site.add(name="loose", secret=OTHER_SECRET)
    yield site


def card(page: Page, name: str) -> Any:
    return page.locator(".card", has=page.locator(".name", has_text=re.compile(f"^{re.escape(name)}$")))


def test_codes_token_sees_codes_only(accounts: Site, browser: Browser) -> None:
    page = accounts.open(browser, "codes")
    expect(page.locator(".card")).to_have_count(3)
    for button in ("QR code", "Edit", "Delete"):
        expect(page.locator(".card").get_by_role("button", name=button)).to_have_count(0)
    expect(page.locator("#add")).to_be_hidden()
    expect(page.get_by_role("button", name="Activity")).to_be_hidden()
    expect(card(page, "db").locator(".digits")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    assert page.errors == []  # type: ignore[attr-defined]


def test_cards_are_grouped_and_the_filter_matches_groups(accounts: Site, browser: Browser) -> None:
    page = accounts.open(browser, "codes")
    expect(page.locator(".group h3:visible")).to_have_text(["infra", "web", "No group"])
    expect(page.locator(".group", has=page.locator("h3", has_text="infra")).locator(".name")).to_have_text(
        ["db"]
    )
    page.get_by_label("Filter by name, issuer or group").fill("web")
    expect(page.locator(".card:visible .name")).to_have_text(["site"])
    expect(page.locator(".group h3:visible")).to_have_text(["web"])
    page.get_by_label("Filter by name, issuer or group").fill("")
    expect(page.locator(".card:visible")).to_have_count(3)


def test_manager_edits_in_its_group(accounts: Site, browser: Browser) -> None:
    page = accounts.open(browser, "manager")
    expect(page.locator(".card .name")).to_have_text(["db"])
    db = card(page, "db")
    expect(db.get_by_role("button", name="QR code")).to_be_hidden()
    expect(db.get_by_role("button", name="Delete")).to_be_visible()
    expect(page.locator("#add")).to_be_visible()
    expect(page.locator("#group")).to_have_value("infra")
    db.get_by_role("button", name="Edit").click()
    dialog = page.locator("#edit-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Group").fill("web")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#edit-group-error")).to_have_text("Group 'web' is outside this API token's groups")
    dialog.get_by_label("Group").fill("infra")
    dialog.get_by_label("Name").fill("db-primary")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".card .name")).to_have_text(["db-primary"])
    names = {token["name"] for token in accounts.call("admin", "GET", "/api/v1/tokens").json()["data"]}
    assert names == {"db-primary", "site", "loose"}
    assert page.errors == []  # type: ignore[attr-defined]


def test_admin_sees_qr_and_the_activity_view(accounts: Site, browser: Browser) -> None:
    accounts.call("manager", "PATCH", f"/api/v1/tokens/{_id(accounts, 'db')}", json={"name": "db2"})
    page = accounts.open(browser, "admin")
    db = card(page, "db2")
    for button in ("QR code", "Edit", "Delete"):
        expect(db.get_by_role("button", name=button)).to_be_visible()
    page.get_by_role("button", name="Activity").click()
    expect(page.locator("#activity")).to_be_visible()
    expect(page.locator("#tokens")).to_be_hidden()
    rows = page.locator("#activity-table tbody tr")
    expect(rows.first).to_be_visible()
    update = rows.filter(has=page.locator("td", has_text="token.update")).first
    expect(update.locator("td").nth(1)).to_have_text("manager")
    expect(update.locator("td").nth(3)).to_have_text("db2")
    page.get_by_role("button", name="Codes").click()
    expect(page.locator("#tokens")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]


def _id(site: Site, name: str) -> str:
    tokens = site.call("admin", "GET", "/api/v1/tokens").json()["data"]
    return next(token["id"] for token in tokens if token["name"] == name)


def test_loading_then_no_tokens_yet(site: Site, browser: Browser) -> None:
    assert site.call("admin", "DELETE", "/api/v1/tokens").status_code == 200
    page = browser.new_context().new_page()
    held: list[Route] = []
    page.route("**/api/v1/codes", lambda route: route.continue_() if held else held.append(route))
    page.add_init_script(f"sessionStorage.setItem('pyotp-rs.api-token', {site.tokens['admin']!r})")
    page.goto(site.server.url + "/")
    expect(page.locator("#loading")).to_be_visible()
    expect(page.locator("#loading")).to_have_text("Loading tokens…")
    expect(page.locator("#empty")).to_be_hidden()
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    held[0].continue_()
    expect(page.locator("#loading")).to_be_hidden()
    expect(page.locator("#empty")).to_have_text("No tokens yet: add one below.")
    page.context.close()


def test_cards_are_as_tall_as_their_content(site: Site, browser: Browser) -> None:
    assert site.call("admin", "DELETE", "/api/v1/tokens").status_code == 200
    site.add(name="short", secret=SECRET)
    site.add(name="a much longer name " * 8, issuer="An issuer with a long name as well " * 3, secret=SECRET)
    page = site.open(browser, "admin")
    page.set_viewport_size({"width": 1000, "height": 800})
    expect(page.locator(".card")).to_have_count(2)
    short = card(page, "short").bounding_box()
    tall = page.locator(".card").nth(1).bounding_box()
    assert short is not None and tall is not None
    assert short["y"] == tall["y"]  # side by side, in one row
    assert short["height"] < tall["height"] - 40, (short, tall)


def test_copied_mark_goes_with_its_code_and_the_next_code_is_spaced_once(
    site: Site, browser: Browser
) -> None:
    assert site.call("admin", "DELETE", "/api/v1/tokens").status_code == 200
    site.add(name="quick", secret=SECRET, period=10)
    page = site.open(browser, "admin")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.server.url)
    quick = card(page, "quick")
    expect(quick.locator(".next")).to_be_visible(timeout=12_000)
    expect(quick.locator(".next")).to_have_text(re.compile(r"^Next: \d{3} \d{3}$"))
    fonts = quick.locator(".next").evaluate(
        "p => [getComputedStyle(p).fontFamily, getComputedStyle(p.querySelector('.next-code')).fontFamily]"
    )
    assert fonts[0] == fonts[1], fonts  # a monospace space beside proportional text looked doubled
    expect(quick.locator(".seconds")).to_have_text(re.compile(r"^[12] s$"), timeout=12_000)
    old = quick.locator(".digits").inner_text()
    quick.locator(".code").click()
    expect(quick.locator(".copied")).to_have_text(f"Copied {old}")
    expect(quick.locator(".digits")).not_to_have_text(old, timeout=3_000)
    assert quick.locator(".copied").inner_text() == ""
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_page_token_prompt_still_guards(site: Site, browser: Browser, tmp_path: Path) -> None:
    page = browser.new_context().new_page()
    page.goto(site.server.url + "/")
    expect(page.get_by_label("API token", exact=True)).to_be_focused()
    expect(page.locator("#loading")).to_be_hidden()
    page.context.close()


@pytest.mark.parametrize("who", ["codes", "manager"])
def test_hotp_cards_hand_out_codes_for_every_role(accounts: Site, browser: Browser, who: str) -> None:
    """An HOTP card under its group's heading, with its Next code button for a ``codes`` or ``manage``
    token too; /codes/next leaving it out does not make the page take it for deleted."""
    import pyotp

    uri = pyotp.HOTP(SECRET, name="door", issuer="Infra", initial_count=2).provisioning_uri()
    imported = accounts.call("admin", "POST", "/api/v1/import", params={"group": "infra"}, json={"data": uri})
    assert imported.status_code == 201, imported.text
    page = accounts.open(browser, who)
    door = card(page, "door")
    expect(page.locator(".group", has=page.locator("h3", has_text="infra")).locator(".name")).to_contain_text(
        ["door"]
    )
    expect(door.locator(".counter")).to_have_text("Next counter 2")
    for counter in (2, 3):
        door.get_by_role("button", name="Next code").click()
        expect(door.locator(".counter")).to_have_text(f"Counter {counter}")
        code = pyotp.HOTP(SECRET).at(counter)
        expect(door.locator(".digits")).to_have_text(f"{code[:3]} {code[3:]}")
    refreshes: list[str] = []
    page.on(
        "request", lambda request: refreshes.append(request.url) if request.url.endswith("/codes") else None
    )
    page.evaluate("fetchNext()")  # its answer leaves HOTP tokens out: not a sign of their deletion
    page.wait_for_timeout(1500)
    assert len(refreshes) <= 1  # at most a TOTP step's end; a card taken for deleted refreshes every tick
    expect(door.locator(".counter")).to_have_text("Counter 3")
    assert page.errors == []  # type: ignore[attr-defined]
