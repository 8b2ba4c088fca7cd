"""Writing results: JSON and human-readable text on the terminal, and private files."""

from __future__ import annotations

import json
import os
import secrets
import sys
import unicodedata
from typing import Any, TextIO

from .errors import CliError

_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""The characters that reorder the text around them (Unicode's bidirectional format characters)."""

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
"""Control characters (C0, DEL and C1: escape sequences), lone surrogates, line and paragraph separators."""


def _escape(char: str) -> str:
    """``char`` as Python writes it in a string literal: ``\\x1b``, ``\\u202e``."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` safe to show on a terminal: control, bidi-override and separator characters escaped.

    Labels come from untrusted files: an ESC could clear the screen, write the clipboard
    (OSC 52) or set the window title, and a right-to-left override could make one label
    look like another. Every human-readable line the command line prints goes through here.
    """
    if text.isprintable():
        return text
    return "".join(
        _escape(char) if char in _BIDI_CONTROLS or unicodedata.category(char) in _UNSAFE_CATEGORIES else char
        for char in text
    )


def say(text: str, file: TextIO | None = None) -> None:
    """Print one human-readable line of ``text`` (escaped by :func:`printable`) to ``file`` (stdout)."""
    print(printable(text), file=file if file is not None else sys.stdout)


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON (which escapes every control character)."""
    print(json.dumps(data, indent=2))


_CREATE_NEW = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
"""A new file only: never an existing file, never through a symbolic link (flags Windows lacks are 0)."""


def write_private(path: str, data: bytes, *, overwrite: bool) -> None:
    """Write ``data`` to ``path``, readable by the owner only (the file holds a secret).

    The data goes to a new file beside ``path`` (created exclusively with mode 0600, so no
    existing file's mode or link is reused), is synced to disk, then takes ``path``'s place:
    renamed over it when ``overwrite``, else linked there, which fails if anything exists
    at ``path``. A symbolic link at ``path`` is replaced, never followed.
    """
    directory, name = os.path.split(os.path.abspath(path))
    if not overwrite and os.path.lexists(path):
        raise CliError(f"{path} already exists: give --force to overwrite it")
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(temporary, _CREATE_NEW, 0o600)
    except OSError as error:
        raise OSError(error.errno, error.strerror, path) from None
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        _move(temporary, path, overwrite)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
    _sync_directory(directory)


def _move(temporary: str, path: str, overwrite: bool) -> None:
    """Give the written ``temporary`` file the name ``path``: replacing what is there only when ``overwrite``."""
    try:
        if not overwrite:
            try:
                os.link(temporary, path)
                return
            except FileExistsError:
                raise
            except OSError:
                # A file system without hard links: check, then rename (a narrow race).
                if os.path.lexists(path):
                    raise FileExistsError(path) from None
        os.replace(temporary, path)
    except FileExistsError:
        raise CliError(f"{path} already exists: give --force to overwrite it") from None
    except OSError as error:
        raise OSError(error.errno, error.strerror, path) from None


def _sync_directory(directory: str) -> None:
    """Make the rename of a file in ``directory`` durable (where directories can be opened)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
