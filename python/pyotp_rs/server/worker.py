"""The gunicorn worker of ``pyotp-rs serve``: threads that accept in turn, which slow clients cannot hold.

Each worker process runs ``threads`` threads. One at a time waits for a connection (a lock passes the
turn on as soon as it has one) and then serves that connection itself: the service answers one
request per connection (``keepalive`` 0). gunicorn's ``gthread`` worker, which this one extends,
accepts in its main thread, hands each connection to a pool thread and back to the main thread to
close it; those two hand-overs per request, and the switches of the interpreter lock they cause,
cost about as much CPU as the whole ``GET /get-totp`` view. Two requests served at once by one
process cost such switches too, so while one of its threads serves a request, a process leaves new
connections to the other processes for up to :data:`BUSY_WAIT` seconds before it takes one as well.

A slow client cannot hold a thread for long: a connection that sends nothing within five seconds
(gunicorn's ``DEFAULT_WORKER_DATA_TIMEOUT``) is closed, and each socket gets :data:`READ_TIMEOUT`
for every read and write once a request has begun (gunicorn's own parsing has no time limit), so a
handful of half-sent requests cannot hold every thread. The main thread tells the arbiter the
worker is alive and, on ``SIGTERM``, lets the threads finish their requests (within
``graceful_timeout``).

Errors gunicorn answers itself (a request line over its limit, a malformed request) are written as
the TOTPHog API's JSON error, ``{"success": false, "error": "..."}``, instead of gunicorn's HTML.
"""

from __future__ import annotations

import errno
import json
import select
import selectors
import socket
import threading
import time
from typing import Any

from gunicorn import util  # type: ignore[import-untyped]
from gunicorn.workers.gthread import TConn, ThreadWorker  # type: ignore[import-untyped]

__all__ = ["BUSY_WAIT", "READ_TIMEOUT", "GuardedThreadWorker"]

READ_TIMEOUT = 10.0
"""Seconds a thread waits for a client to send (or take) the next bytes of a request (or answer)."""

BUSY_WAIT = 0.05
"""Seconds a process leaves new connections to idle processes while one of its threads serves a request."""

_ACCEPT_AGAIN = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.ECONNABORTED})
"""``accept`` errors that only mean another process took the connection, or its client left."""


class _TimedConn(TConn):  # type: ignore[misc]
    """A connection whose socket has :data:`READ_TIMEOUT` once a thread starts reading its request."""

    data_ready: bool

    def init(self) -> None:
        # gunicorn calls init() right after making the socket blocking (which clears any timeout),
        # and init() returns early once the parser exists.
        super().init()
        self.sock.settimeout(READ_TIMEOUT)

    def wait_for_data(self, timeout: float) -> bool:
        """Whether the client has sent something within ``timeout`` seconds (one ``poll``)."""
        if not self.data_ready:
            ready = select.poll()
            ready.register(self.sock, select.POLLIN)
            self.data_ready = bool(ready.poll(int(timeout * 1000)))
        return self.data_ready


def _write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own error answers, as JSON in the TOTPHog shape."""
    body = json.dumps({"success": False, "error": mesg or reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n\r\n"
    ).encode("latin-1")
    util.write_nonblock(sock, head + body)


class GuardedThreadWorker(ThreadWorker):  # type: ignore[misc]
    """Threads that accept in turn and serve what they accept, with bounded read times and JSON errors."""

    alive: bool

    def init_process(self) -> None:
        util.write_error = _write_json_error  # this worker process writes gunicorn's errors as JSON
        self._quiet = threading.Condition()
        self._serving = 0
        super().init_process()

    def run(self) -> None:
        """Starts the threads, then tells the arbiter this worker is alive until it is told to stop."""
        threads = []
        for listener in self.sockets:
            listener.setblocking(False)
            turn = threading.Lock()
            threads += [
                threading.Thread(
                    target=self._serve, args=(listener, turn), name="pyotp-rs serve", daemon=True
                )
                for _ in range(self.cfg.threads)
            ]
        for thread in threads:
            thread.start()
        # SIGTERM sets ``alive`` and wakes this loop through the method queue (ThreadWorker.handle_exit).
        self.poller.register(
            self.method_queue.fileno(), selectors.EVENT_READ, self.method_queue.run_callbacks
        )
        while self.alive and self.is_parent_alive():
            self.notify()
            self.wait_for_and_dispatch_events(timeout=1.0)
        self.alive = False
        deadline = time.monotonic() + self.cfg.graceful_timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.poller.close()
        self.method_queue.close()
        for listener in self.sockets:
            listener.close()

    def _serve(self, listener: socket.socket, turn: threading.Lock) -> None:
        """Takes connections from ``listener`` in turn with this process's other threads; serves each."""
        ready = select.poll()
        ready.register(listener, select.POLLIN)
        server = listener.getsockname()
        while self.alive:
            with turn:
                self._wait_for_quiet()
                accepted = self._accept(listener, ready)
            if accepted is not None:
                sock, client = accepted
                with self._quiet:
                    self._serving += 1
                try:
                    self._serve_connection(_TimedConn(self.cfg, sock, client, server))
                finally:
                    with self._quiet:
                        self._serving -= 1
                        self._quiet.notify()

    def _wait_for_quiet(self) -> None:
        """Waits until no other thread of this process serves a request, or :data:`BUSY_WAIT` seconds."""
        with self._quiet:
            self._quiet.wait_for(lambda: self._serving == 0, timeout=BUSY_WAIT)

    def _accept(self, listener: socket.socket, ready: select.poll) -> tuple[socket.socket, Any] | None:
        """A new connection, or None: none came within a second (``alive`` is looked at again), another
        process took it, or the worker is stopping (looked at after the wait too: a stopping worker
        accepts nothing)."""
        if not (self.alive and ready.poll(1000) and self.alive):
            return None
        try:
            return listener.accept()
        except OSError as error:
            if error.errno not in _ACCEPT_AGAIN:
                self.log.exception("accept failed: this worker stops (the arbiter starts another)")
                self.alive = False
            return None

    def _serve_connection(self, conn: _TimedConn) -> None:
        """Its one request (none if it stays silent for five seconds), then a graceful close."""
        try:
            self.handle(conn)
        finally:
            conn.close(graceful=True)
