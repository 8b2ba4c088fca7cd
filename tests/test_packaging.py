"""The installed distribution's metadata (what ``pip show -v`` and PyPI's project page show) and the sdist."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pyotp_rs
import pytest

ROOT = Path(__file__).resolve().parents[1]
METADATA = importlib.metadata.metadata("pyotp-rs")


def test_license_is_mit_and_shipped() -> None:
    """The metadata says MIT and the distribution carries the LICENSE text."""
    assert METADATA["License-Expression"] == "MIT"
    assert "LICENSE" in (METADATA.get_all("License-File") or [])
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_author_and_project_urls() -> None:
    """``pip show -v`` names an author and the project's links."""
    assert METADATA["Author-email"]
    urls = dict(entry.split(", ", 1) for entry in METADATA.get_all("Project-URL") or [])
    assert {"Homepage", "Repository", "Issues", "Documentation"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())


def test_classifiers_name_python_versions_typing_and_status() -> None:
    """Classifiers give the supported Python versions (from requires-python on), typing and status."""
    classifiers = METADATA.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    minimum = re.fullmatch(r">=3\.(\d+)", METADATA["Requires-Python"])
    assert minimum is not None
    versions = {
        int(c.rsplit(".", 1)[1])
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    assert min(versions) == int(minimum[1]) and versions == set(range(min(versions), max(versions) + 1))


def test_description_is_the_readme_in_markdown() -> None:
    """PyPI renders the README as the project description."""
    assert METADATA["Description-Content-Type"].startswith("text/markdown")
    assert METADATA.get_payload().strip() == (ROOT / "README.md").read_text().strip()  # type: ignore[attr-defined]


def test_command_and_typing_marker_are_installed() -> None:
    """The ``pyotp-rs`` command points at the CLI; ``py.typed`` and the stub are in the package."""
    (script,) = [
        ep for ep in importlib.metadata.entry_points(group="console_scripts") if ep.name == "pyotp-rs"
    ]
    assert script.value == "pyotp_rs.cli:main"
    package = Path(pyotp_rs.__file__).parent
    assert (package / "py.typed").is_file() and (package / "_pyotp_rs" / "__init__.pyi").is_file()


def test_sdist_holds_the_sources_and_nothing_built(tmp_path: Path) -> None:
    """``maturin sdist`` (as scripts/build-dist.sh runs it) packs every tracked file and nothing built.

    A wheel that scripts/build-dist.sh left in ``dist/`` must not end up inside the next sdist,
    nor anything from ``target/`` or ``.venv/``.
    """
    if not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout the sdist is built from")
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    dist = ROOT / "dist"
    made_dist = not dist.exists()
    dist.mkdir(exist_ok=True)
    stray = dist / f"pyotp_rs-0.0.0-probe{os.getpid()}-py3-none-any.whl"
    stray.write_bytes(b"not a real wheel")
    try:
        subprocess.run(
            [str(Path(sys.executable).parent / "maturin"), "sdist", "--out", str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
    finally:
        stray.unlink()
        if made_dist:
            dist.rmdir()
    (sdist,) = tmp_path.glob("pyotp_rs-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        pkg_info = archive.extractfile(f"{sdist.name.removesuffix('.tar.gz')}/PKG-INFO")
        assert pkg_info is not None
        metadata = pkg_info.read().decode()
    assert set(tracked) <= names
    assert {"Cargo.lock", "Cargo.toml", "pyproject.toml", "LICENSE", "README.md", "PKG-INFO"} <= names
    built = [
        name
        for name in names
        if name.startswith(("dist/", "target/", ".venv/")) or name.endswith((".whl", ".so", ".pyc"))
    ]
    assert built == []
    assert "Name: pyotp-rs\n" in metadata and "License-Expression: MIT\n" in metadata
