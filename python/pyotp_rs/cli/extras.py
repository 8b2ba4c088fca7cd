"""The ``pip install`` command that adds an optional extra, written for where pyotp-rs came from.

No release is on PyPI yet, so ``pip install 'pyotp-rs[server]'`` only works where the package is installed
already (pip then reads the extra's requirements from the installed distribution). Code run from a checkout
without being installed needs ``pip install '.[server]'`` in that checkout; a checkout installed with
``pip install .`` records its directory in the distribution's ``direct_url.json`` (PEP 610).
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["install_hint"]

_PACKAGE = Path(__file__).resolve().parents[1]
"""The directory of the ``pyotp_rs`` package that is running."""


def _installed() -> metadata.Distribution | None:
    """The installed distribution whose files are the running package, if there is one."""
    try:
        dist = metadata.distribution("pyotp-rs")
    except metadata.PackageNotFoundError:
        return None
    if Path(str(dist.locate_file("pyotp_rs"))).resolve() != _PACKAGE:
        return None  # another copy is installed; the code running comes from a source tree
    return dist


def _checkout_of(dist: metadata.Distribution | None) -> Path | None:
    """The checkout the running code comes from: the directory of a ``pip install .``, or the source tree."""
    if dist is None:
        root = _PACKAGE.parents[1]  # python/pyotp_rs -> the repository
        return root if (root / "pyproject.toml").is_file() else None
    text = dist.read_text("direct_url.json")
    if text is None:
        return None
    try:
        origin = json.loads(text)
    except ValueError:
        return None
    url = origin.get("url", "") if isinstance(origin, dict) else ""
    if "dir_info" in origin and isinstance(url, str) and url.startswith("file://"):
        return Path(url.removeprefix("file://"))
    return None


def _pip() -> str:
    """``pip`` when the one on PATH installs into this environment, else this interpreter's ``-m pip``."""
    found = shutil.which("pip")
    if found is not None and Path(found).parent == Path(sys.executable).parent:
        return "pip"
    return f"{shlex.quote(sys.executable)} -m pip"


def install_hint(extra: str) -> str:
    """The command that installs ``extra`` here: ``pip install 'pyotp-rs[EXTRA]'`` for an installed package,
    ``pip install '.[EXTRA]'`` (in the checkout) for one installed from or run from a checkout."""
    dist = _installed()
    checkout = _checkout_of(dist)
    if checkout is not None:
        where = "" if checkout.resolve() == Path.cwd().resolve() else f" (in {checkout})"
        return f"{_pip()} install '.[{extra}]'{where}"
    if dist is not None:
        return f"{_pip()} install 'pyotp-rs[{extra}]'"
    return f"{_pip()} install 'pyotp-rs[{extra}]', or {_pip()} install '.[{extra}]' in a checkout"
