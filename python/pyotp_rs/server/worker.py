"""The gunicorn worker of ``pyotp-rs serve``: threads that a slow client cannot hold, errors in JSON.

gunicorn's ``gthread`` worker leaves a connection that has sent nothing to its poller, but once a
client has sent part of a request, a thread reads the rest with no time limit: a handful of
half-sent requests would hold every thread. Here each connection's socket gets a read and write
timeout (:data:`READ_TIMEOUT`) whenever a thread takes it up, so a stalled client frees its thread.

Errors gunicorn answers itself (a request line over its limit, a malformed request) are written as
the TOTPHog API's JSON error, ``{"success": false, "error": "..."}``, instead of gunicorn's HTML.
"""

from __future__ import annotations

import json
import socket
from typing import Any

from gunicorn import util  # type: ignore[import-untyped]
from gunicorn.workers.gthread import TConn, ThreadWorker  # type: ignore[import-untyped]

__all__ = ["READ_TIMEOUT", "GuardedThreadWorker"]

READ_TIMEOUT = 10.0
"""Seconds a thread waits for a client to send (or take) the next bytes of a request (or answer)."""


class _TimedConn(TConn):  # type: ignore[misc]
    """A connection whose socket has :data:`READ_TIMEOUT` each time a thread takes it up."""

    def init(self) -> None:
        # gunicorn calls init() each time a thread takes the connection, right after making the socket
        # blocking (which clears any timeout), and init() returns early once the parser exists.
        super().init()
        self.sock.settimeout(READ_TIMEOUT)


def _write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own error answers, as JSON in the TOTPHog shape."""
    body = json.dumps({"success": False, "error": mesg or reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n\r\n"
    ).encode("latin-1")
    util.write_nonblock(sock, head + body)


class GuardedThreadWorker(ThreadWorker):  # type: ignore[misc]
    """``gthread`` with a bounded read time per connection and JSON error answers."""

    def init_process(self) -> None:
        util.write_error = _write_json_error  # this worker process writes gunicorn's errors as JSON
        super().init_process()

    def enqueue_req(self, conn: Any) -> None:
        conn.__class__ = _TimedConn
        super().enqueue_req(conn)
