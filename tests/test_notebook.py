"""``examples/enroll.ipynb`` runs headless and its inline QR code decodes to the URI it printed."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from qrdecode import decode, draw, open_png, svg_modules

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
KERNEL = "pyotp-rs-tests"


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec running this interpreter, so the notebook imports the pyotp_rs under test."""
    spec = tmp_path / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    assert KernelSpecManager().get_kernel_spec(KERNEL).argv[0] == sys.executable
    return KERNEL


def check_outputs(notebook: nbformat.NotebookNode) -> None:
    """The notebook printed one URI, showed its QR code (PNG and SVG) and verified a code."""
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    printed = "".join(output.text for output in outputs if output.output_type == "stream")
    uris = [line for line in printed.splitlines() if line.startswith("otpauth://totp/")]
    assert len(uris) == 1
    uri = uris[0]
    assert uri.startswith("otpauth://totp/Example%20Lab:alice%40example.com?secret=")
    assert "True" in printed.splitlines()

    images = [output.data for output in outputs if "image/png" in output.get("data", {})]
    assert len(images) == 1
    shown = images[0]
    assert decode(open_png(base64.b64decode(shown["image/png"]))) == uri
    assert decode(draw(svg_modules(shown["image/svg+xml"], 10), ink=0, background=255)) == uri
    assert shown["text/plain"].startswith("<QRCode version ")
    results = [output.data["text/plain"] for output in outputs if output.output_type == "execute_result"]
    assert results[-1] == "['current_code', 'qr_code', 'secret', 'uri']"


def test_enroll_notebook_shows_a_scannable_code(kernel: str) -> None:
    notebook = nbformat.read(EXAMPLES / "enroll.ipynb", as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    NotebookClient(
        notebook, kernel_name=kernel, timeout=120, resources={"metadata": {"path": str(EXAMPLES)}}
    ).execute()
    check_outputs(notebook)


def test_committed_notebook_shows_its_outputs() -> None:
    """The notebook is committed with the outputs of a run, so the repository page shows the QR code."""
    check_outputs(nbformat.read(EXAMPLES / "enroll.ipynb", as_version=4))
