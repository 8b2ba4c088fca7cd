"""The API description: the OpenAPI document and an HTML page rendered from it (no CDN, no script)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, render_template
from markupsafe import Markup, escape

from .http import public
from .openapi import document

__all__ = ["blueprint"]

blueprint = Blueprint("docs", __name__, template_folder="templates")

_METHODS = ("get", "post", "put", "patch", "delete")
_DOCS_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
"""The page's own style sheet is inline; it has no script and every value in it is escaped."""
_CODE_SPAN = re.compile(r"`([^`]+)`")


@blueprint.app_template_filter("inline_code")
def inline_code(text: str) -> Markup:
    """The OpenAPI descriptions' Markdown code spans (`like this`) as ``<code>``; everything else escaped."""
    return Markup(_CODE_SPAN.sub(lambda span: f"<code>{span[1]}</code>", str(escape(text))))


@blueprint.get("/api/v1/openapi.json")
@public
def openapi_json() -> Any:
    """The OpenAPI 3 document."""
    return document()


def _schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2)


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    operations = []
    for path, item in spec["paths"].items():
        for method in _METHODS:
            if method not in item:
                continue
            operation = item[method]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": f"{method}-{path.strip('/').replace('/', '-').replace('{', '').replace('}', '')}",
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tag": (operation.get("tags") or [""])[0],
                    "public": operation.get("security") == [],
                    "parameters": item.get("parameters", []) + operation.get("parameters", []),
                    "body": _schema_text(body["schema"]) if body else None,
                    "responses": [
                        {
                            "status": status,
                            "description": response["description"],
                            "types": ", ".join(response.get("content", {})),
                        }
                        for status, response in operation["responses"].items()
                    ],
                }
            )
    return operations


@blueprint.get("/api/docs")
@public
def api_docs() -> Response:
    """A readable page of every endpoint, rendered by the service itself."""
    spec = document()
    schemas = {name: _schema_text(schema) for name, schema in spec["components"]["schemas"].items()}
    html = render_template("api_docs.html", info=spec["info"], operations=_operations(spec), schemas=schemas)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = _DOCS_POLICY
    return response
