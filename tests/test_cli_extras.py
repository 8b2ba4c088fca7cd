"""The hint for a missing extra names a ``pip install`` that works where pyotp-rs came from (issue 26)."""

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pyotp_rs
import pytest
from pyotp_rs.cli import extras

ROOT = Path(__file__).resolve().parents[1]
WHEEL_URL = "file:///tmp/dist/pyotp_rs-0.1.0-cp310-abi3-manylinux2014_x86_64.whl"


def fake_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, direct_url: dict[str, object] | None
) -> None:
    """Makes ``pyotp-rs`` look installed into ``tmp_path``, with this PEP 610 record of where it came from."""
    info = tmp_path / "pyotp_rs-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pyotp-rs\nVersion: 0.1.0\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    (tmp_path / "pyotp_rs").mkdir()
    monkeypatch.setattr(extras, "_PACKAGE", tmp_path / "pyotp_rs")
    monkeypatch.setattr(extras.metadata, "distribution", lambda name: metadata.PathDistribution(info))


def test_an_installed_wheel_gets_the_package_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_install(monkeypatch, tmp_path, {"url": WHEEL_URL, "archive_info": {}})
    assert extras.install_hint("server").endswith(" install 'pyotp-rs[server]'")


def test_a_package_from_an_index_gets_the_package_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_install(monkeypatch, tmp_path, None)
    assert extras.install_hint("server").endswith(" install 'pyotp-rs[server]'")


def test_an_install_from_a_checkout_gets_the_checkout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    checkout = tmp_path / "src" / "pyotp-rs"
    checkout.mkdir(parents=True)
    fake_install(monkeypatch, tmp_path, {"url": checkout.as_uri(), "dir_info": {}})
    assert extras.install_hint("server").endswith(f" install '.[server]' (in {checkout})")
    monkeypatch.chdir(checkout)
    assert extras.install_hint("server").endswith(" install '.[server]'")


def test_code_run_from_a_source_tree_gets_the_checkout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Another copy installed elsewhere (or none) while the code runs from a checkout's python/ folder."""
    fake_install(monkeypatch, tmp_path, {"url": WHEEL_URL, "archive_info": {}})
    checkout = tmp_path / "checkout"
    (checkout / "python" / "pyotp_rs").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    monkeypatch.setattr(extras, "_PACKAGE", checkout / "python" / "pyotp_rs")
    assert extras.install_hint("server").endswith(f" install '.[server]' (in {checkout})")


def test_pip_is_this_interpreters(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A ``pip`` on PATH that belongs to another environment is not offered."""
    fake_install(monkeypatch, tmp_path, None)
    monkeypatch.setattr(extras.shutil, "which", lambda name: "/usr/bin/pip")
    assert extras.install_hint("server") == f"{sys.executable} -m pip install 'pyotp-rs[server]'"


def test_serve_without_the_extra_prints_the_hint(tmp_path: Path) -> None:
    """The real command, with Flask made unimportable: one line naming the install that fits this run."""
    script = (
        "import sys; sys.modules['flask'] = None; from pyotp_rs.cli import main; sys.exit(main(['serve']))"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert run.returncode == 1
    message = run.stderr.strip()
    assert "\n" not in message
    installed = "site-packages" in pyotp_rs.__file__
    expected = "install 'pyotp-rs[server]'" if installed else f"install '.[server]' (in {ROOT})"
    assert message.startswith("pyotp-rs: error: the service needs the server extra: ")
    assert expected in message
