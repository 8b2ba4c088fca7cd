"""The gunicorn worker of ``pyotp-rs serve``: threads that take turns accepting, which slow clients cannot hold.

Each worker process runs ``threads`` threads. One of them holds the turn: it waits for a connection,
accepts it, serves it itself (the service answers one request per connection, ``keepalive`` 0) and
goes back to waiting, as gunicorn's ``sync`` worker does with its one thread; the others wait aside.
Serving a request hands nothing to another thread: gunicorn's ``gthread`` worker, which this one
extends, accepts in its main thread, hands each connection to a pool thread and back to the main
thread to close it, and those hand-overs (and the switches of the interpreter lock they cause) cost
about as much CPU as the whole ``GET /get-totp`` view; passing a lock from thread to thread on each
connection cost too. While the holder serves, its process leaves new connections to the other
processes; once the holder has served one connection for :data:`BUSY_WAIT` seconds (a slow client,
a slow request), a waiting thread takes the turn and accepts the next connection, so a slow client
holds one thread, never the process.

A slow client cannot hold a thread for long either: a connection that sends nothing within five
seconds (gunicorn's ``DEFAULT_WORKER_DATA_TIMEOUT``) is closed, and each socket gets
:data:`READ_TIMEOUT` for every read and write once a request has begun (gunicorn's own parsing has
no time limit), so a handful of half-sent requests cannot hold every thread. The main thread tells
the arbiter the worker is alive and, on ``SIGTERM``, lets the threads finish their requests (within
``graceful_timeout``).

Errors gunicorn answers itself (a request line over its limit, a malformed request) are written as
the TOTPHog API's JSON error, ``{"success": false, "error": "..."}``, instead of gunicorn's HTML.
"""

from __future__ import annotations

import errno
import gc
import json
import select
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from gunicorn import util  # type: ignore[import-untyped]
from gunicorn.workers.gthread import TConn, ThreadWorker  # type: ignore[import-untyped]

__all__ = ["BUSY_WAIT", "READ_TIMEOUT", "GuardedThreadWorker"]

READ_TIMEOUT = 10.0
"""Seconds a thread waits for a client to send (or take) the next bytes of a request (or answer)."""

BUSY_WAIT = 0.05
"""Seconds a process leaves new connections to the other processes while the thread holding its turn serves one."""

_ACCEPT_AGAIN = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.ECONNABORTED})
"""``accept`` errors that only mean another process took the connection, or its client left."""


_KERNEL_TIMEOUT = struct.pack("ll", int(READ_TIMEOUT), int(READ_TIMEOUT % 1 * 1_000_000))
"""READ_TIMEOUT as the ``struct timeval`` of ``SO_RCVTIMEO`` and ``SO_SNDTIMEO``."""


class _TimedConn(TConn):  # type: ignore[misc]
    """A connection whose socket has :data:`READ_TIMEOUT` once a thread starts reading its request.

    The kernel keeps the time limit (``SO_RCVTIMEO``, ``SO_SNDTIMEO``) on the blocking socket: a
    read or write that waits that long fails (``EAGAIN``) and the connection is closed. A Python
    socket timeout would do the same with a ``poll`` before every read and write.
    """

    data_ready: bool

    def init(self) -> None:
        # gunicorn calls init() right after making the socket blocking, and init() returns early
        # once the parser exists.
        super().init()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _KERNEL_TIMEOUT)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _KERNEL_TIMEOUT)

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


class _Turn:
    """Which thread of a process accepts connections: the holder, until it serves one for too long.

    The holder keeps the turn from one connection to the next (no hand-over, no wake-up of another
    thread). One waiting thread at a time looks every :data:`BUSY_WAIT` seconds whether the holder
    has been serving its connection for that long, and if so takes the turn.
    """

    def __init__(self) -> None:
        self._state = threading.Lock()
        self._standby = threading.Lock()
        self._holder: object | None = None
        self._busy_since: float | None = None
        """When the holder began serving its connection; None while it waits for one."""

    def take(self, me: object, alive: Callable[[], bool]) -> bool:
        """Waits until ``me`` holds the turn (True), or ``alive()`` is false (False)."""
        with self._standby:
            while alive():
                with self._state:
                    busy = self._busy_since
                    if self._holder is None or (busy is not None and time.monotonic() - busy >= BUSY_WAIT):
                        self._holder, self._busy_since = me, None
                        return True
                time.sleep(BUSY_WAIT)
        return False

    def serving(self, me: object) -> None:
        """``me``, the holder, begins serving a connection."""
        with self._state:
            if self._holder is me:
                self._busy_since = time.monotonic()

    def served(self, me: object) -> bool:
        """``me`` has served its connection; whether it still holds the turn."""
        with self._state:
            if self._holder is me:
                self._busy_since = None
                return True
            return False

    def leave(self, me: object) -> None:
        """``me`` stops (its thread ends): if it holds the turn, a waiting thread takes it."""
        with self._state:
            if self._holder is me:
                self._holder = self._busy_since = None


class GuardedThreadWorker(ThreadWorker):  # type: ignore[misc]
    """Threads that take turns accepting and serve what they accept, with bounded read times and JSON errors."""

    alive: bool

    def init_process(self) -> None:
        util.write_error = _write_json_error  # this worker process writes gunicorn's errors as JSON
        super().init_process()

    def run(self) -> None:
        """Starts the threads, then tells the arbiter this worker is alive until it is told to stop."""
        # What the process holds now (Flask, SQLAlchemy, the application) lives as long as it does:
        # the garbage collector leaves it alone instead of walking it again in its full collections,
        # which took about 5% of a worker's CPU under load.
        gc.collect()
        gc.freeze()
        threads = []
        for listener in self.sockets:
            listener.setblocking(False)
            turn = _Turn()
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

    def _is_alive(self) -> bool:
        return self.alive

    def _serve(self, listener: socket.socket, turn: _Turn) -> None:
        """Takes the turn on ``listener``, then accepts and serves connections for as long as it holds it."""
        ready = select.poll()
        ready.register(listener, select.POLLIN)
        server = listener.getsockname()
        me = object()
        try:
            while turn.take(me, self._is_alive):
                holding = True
                while holding and self.alive:
                    accepted = self._accept(listener, ready)
                    if accepted is not None:
                        sock, client = accepted
                        turn.serving(me)
                        try:
                            self._serve_connection(_TimedConn(self.cfg, sock, client, server))
                        finally:
                            holding = turn.served(me)
        finally:
            turn.leave(me)

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

    def handle_request(self, req: Any, conn: _TimedConn) -> Any:
        """Serves the request with the answer corked: its head, body and the closing FIN leave
        together (one segment for a small answer, where gunicorn's two writes and the close sent
        three). A request that expects ``100 Continue`` is served uncorked, so that line leaves at once."""
        if not any(name == "EXPECT" for name, _ in req.headers):
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        return super().handle_request(req, conn)

    def _serve_connection(self, conn: _TimedConn) -> None:
        """Its one request (none if it stays silent for five seconds), then a graceful close."""
        try:
            self.handle(conn)
        finally:
            conn.close(graceful=True)
