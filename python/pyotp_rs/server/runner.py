"""Runs the application under gunicorn: the process that ``pyotp-rs serve`` becomes."""

from __future__ import annotations

import socket
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from .app import create_app
from .config import ConfigError, ServiceConfig
from .keys import ServerKeyError
from .lease import gunicorn_hooks, hold_start_lease
from .service import FINGERPRINT_SETTING, open_service
from .worker import READ_TIMEOUT, GuardedThreadWorker

__all__ = ["serve"]


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn with options set in code and the application built before the workers fork."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def _bind_address(host: str, port: int) -> str:
    return f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"


def _check_port(host: str, port: int) -> None:
    """Fails with one line when the address cannot be listened on (before any file is created)."""
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        raise ConfigError(
            f"cannot listen on {_bind_address(host, port)}: {error.strerror or error}"
        ) from None


def serve(config: ServiceConfig) -> None:
    """Opens the database, checks the key and the auth rules, prints where it listens, and serves until stopped."""
    _check_port(config.host, config.port)
    service = open_service(config)
    start_lease = hold_start_lease(service.store)
    if service.store.get_setting(FINGERPRINT_SETTING) != service.box.fingerprint:
        raise ServerKeyError("the server key was rotated while the service started: start it again")
    api_tokens = service.store.list_api_tokens()
    if not api_tokens and (not config.loopback or config.trusted_proxies):
        if config.trusted_proxies:
            reason = "refusing to serve behind a proxy without API tokens: only tokens authenticate there"
        else:
            reason = (
                f"refusing to listen on {config.host} without API tokens: anyone who can reach it could read "
                "every secret"
            )
        raise ConfigError(
            f"{reason}. Create one first: pyotp-rs api-token create NAME --db {service.store.url}"
        )
    app = create_app(config, service=service)
    service.store.dispose()
    if api_tokens:
        auth = f"on ({len(api_tokens)} API token{'s' if len(api_tokens) != 1 else ''})"
    else:
        auth = "off (loopback only, no API tokens)"
    print(f"pyotp-rs serve: database {service.store.url}", flush=True)
    print(f"pyotp-rs serve: auth {auth}", flush=True)

    def when_ready(server: Any) -> None:
        for listener in server.LISTENERS:
            host, port = listener.sock.getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            print(f"pyotp-rs serve: listening on http://{shown}:{port} (Ctrl-C stops)", flush=True)

    def post_fork(_server: Any, _worker: Any) -> None:
        service.store.forget_connections()

    options = {
        "bind": [_bind_address(config.host, config.port)],
        "workers": config.workers,
        "worker_class": GuardedThreadWorker,
        "threads": config.threads,
        "keepalive": 0,  # one request per connection, as the sync workers served (no idle-close race)
        "timeout": int(3 * READ_TIMEOUT),
        "forwarded_allow_ips": ",".join(config.trusted_proxies),
        "proc_name": "pyotp-rs serve",
        "loglevel": "warning",
        "errorlog": "-",
        "graceful_timeout": 10,
        "when_ready": when_ready,
        "post_fork": post_fork,
        "on_exit": lambda _server: service.store.drop_lease(start_lease),
        **gunicorn_hooks(service.store),
    }
    _Gunicorn(app, options).run()
