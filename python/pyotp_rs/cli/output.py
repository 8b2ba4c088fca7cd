"""Writing results: JSON on standard output and private files."""

from __future__ import annotations

import json
import os
from typing import Any


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON."""
    print(json.dumps(data, indent=2))


def write_private(path: str, data: bytes) -> None:
    """Write ``data`` to ``path``, readable by the owner only (the file holds a secret)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
