"""The peer that ``benches/service.py`` measures: the same endpoints on real pyotp 2.12.0, built as the seeds are.

It is a benchmark fixture, not product code. Tokens live in one TOTPHog ``tokens.json`` (an object
keyed by token id) that every request reads again, as TOTPHog's JSON-file store does; ``/get-totp``
is the team Flask app of the seeds, whose users sit in a dict in the process (loaded from a
``{"username": "secret"}`` file once per worker, since several gunicorn workers share nothing
else). Verification is replay-safe the way a JSON-file store can be: under an exclusive ``flock``,
read the file, check the code and the last accepted step, and write the whole file back when
something changed.

Run with gunicorn: ``gunicorn 'pyotp_service:create_app("tokens.json", "users.json")'``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyotp
from flask import Flask, jsonify, request

DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}
MAX_ATTEMPTS = 5
ATTEMPT_WINDOW = 300


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), timezone.utc).isoformat()


def _totp(token: dict[str, Any]) -> pyotp.TOTP:
    return pyotp.TOTP(
        token["secret"], digits=token["digits"], digest=DIGESTS[token["algorithm"]], interval=token["period"]
    )


def _code(token: dict[str, Any], now: int) -> dict[str, Any]:
    return {
        "code": _totp(token).at(now),
        "remaining_seconds": token["period"] - now % token["period"],
        "period": token["period"],
        "generated_at": _iso(now),
    }


def _public(token: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in token.items() if key not in ("last_step", "attempts")}


def create_app(tokens_file: str, users_file: str) -> Flask:
    """The baseline app over a TOTPHog ``tokens.json`` and a team ``users.json``."""
    app = Flask(__name__)
    tokens_path = Path(tokens_file)
    users: dict[str, str] = json.loads(Path(users_file).read_text())

    def load() -> dict[str, dict[str, Any]]:
        tokens: dict[str, dict[str, Any]] = json.loads(tokens_path.read_text())
        return tokens

    def not_found() -> Any:
        return jsonify({"success": False, "error": "Token not found"}), 404

    @app.get("/api/v1/codes")
    def codes() -> Any:
        now = int(time.time())
        data = [{**_public(token), "current_code": _code(token, now)} for token in load().values()]
        return jsonify({"success": True, "data": data})

    @app.get("/api/v1/tokens/<token_id>/code")
    def code(token_id: str) -> Any:
        token = load().get(token_id)
        if token is None:
            return not_found()
        return jsonify({"success": True, "data": _code(token, int(time.time()))})

    @app.post("/api/v1/tokens/<token_id>/verify")
    def verify(token_id: str) -> Any:
        body = request.get_json(silent=True) or {}
        submitted = str(body.get("code", ""))
        window = int(body.get("valid_window", 1))
        with tokens_path.open("r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            tokens = json.load(handle)
            token = tokens.get(token_id)
            if token is None:
                return not_found()
            now = time.time()
            attempts = [t for t in token.get("attempts", []) if t > now - ATTEMPT_WINDOW]
            if len(attempts) >= MAX_ATTEMPTS:
                response = jsonify({"success": False, "error": "Too many wrong codes"})
                response.headers["Retry-After"] = str(int(attempts[0] + ATTEMPT_WINDOW - now) + 1)
                return response, 429
            totp = _totp(token)
            step = totp.timecode(now)
            matched = [
                step + offset
                for offset in range(-window, window + 1)
                if pyotp.utils.strings_equal(submitted, totp.generate_otp(step + offset))
            ]
            if not matched:
                token["attempts"] = [*attempts, now]
                result: dict[str, Any] = {"valid": False, "reason": "invalid"}
            elif token.get("last_step") is not None and matched[0] <= token["last_step"]:
                result = {"valid": False, "reason": "replayed"}
            else:
                token["last_step"] = matched[0]
                result = {"valid": True, "timecode": matched[0]}
            if result.get("reason") != "replayed":
                handle.seek(0)
                handle.truncate()
                json.dump(tokens, handle)
                handle.flush()
                os.fsync(handle.fileno())
        return jsonify({"success": True, "data": result})

    @app.get("/get-totp/<username>")
    def get_totp(username: str) -> Any:
        secret = users.get(username)
        if secret is None:
            return jsonify({"error": "User not found"}), 404
        return jsonify({"totp": pyotp.TOTP(secret).now(), "username": username})

    return app
