"""The API description of ``pyotp-rs serve``: the OpenAPI document covers every route, the docs page
is rendered by the service with no outside resource, and schemathesis finds no 500 and no response
that breaks the document, against the live server."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from servicekit import ENGINES, ServiceProcess, new_database, start_service

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))


@pytest.fixture(scope="module", params=ENGINES)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One server for the module, on each engine in turn."""
    directory = tmp_path_factory.mktemp("openapi")
    server = start_service(directory, db=new_database(request.param, directory, request), workers=2)
    yield server
    server.stop()


def test_every_route_is_documented() -> None:
    from pyotp_rs.server.app import create_app
    from pyotp_rs.server.openapi import document
    from pyotp_rs.server.service import TokenService

    app = create_app(service=TokenService.__new__(TokenService))
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).replace("{token_id}", "{id}"), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method)
        for path, item in document()["paths"].items()
        for method in item
        if method != "parameters"
    }
    pages = {("/api/v1/openapi.json", "get"), ("/api/docs", "get"), ("/", "get"), ("/assets/{name}", "get")}
    assert documented | pages == routes


def test_openapi_document_is_served(service: ServiceProcess) -> None:
    response = service.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/tokens", "/setup", "/get-totp/{username}", "/v1/auth/totp-generate"} <= set(
        spec["paths"]
    )


def test_docs_page_is_self_contained(service: ServiceProcess) -> None:
    response = service.get("/api/docs")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    html = response.text
    for path in service.get("/api/v1/openapi.json").json()["paths"]:
        assert f"<code>{path}</code>" in html
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "@import" not in html and "url(" not in html


def test_docs_page_renders_code_spans(service: ServiceProcess) -> None:
    """The descriptions' `code spans` become <code> elements: no raw backtick outside the JSON schemas."""
    html = service.get("/api/docs").text
    prose = re.sub(r"<pre>.*?</pre>", "", html, flags=re.DOTALL)
    assert "`" not in prose
    assert "needs <code>Authorization: Bearer</code>." in html
    assert "Nothing was created; <code>skipped</code> says why" in html
    assert "(5 per 5 minutes by default" in html  # operation descriptions are shown too


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    service: ServiceProcess, tmp_path: Path
) -> None:
    """Every check but ``positive_data_acceptance``: a schema cannot say which strings are base32 secrets
    of at least 80 bits or valid otpauth URIs, so schema-valid bodies may rightly get a 400."""
    result = subprocess.run(
        [
            SCHEMATHESIS, "run", f"{service.url}/api/v1/openapi.json",
            "--checks", "all", "--exclude-checks", "positive_data_acceptance",
            "--max-examples", "25", "--seed", "20261129", "--workers", "1",
            "--generation-database", "none", "--no-color", "--request-timeout", "10",
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "Internal Server Error" not in result.stdout
