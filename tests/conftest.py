"""Shared test configuration: hypothesis profiles and the RFC vectors file."""

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Copies of ../shared/vectors/rfc.json and ../shared/compat/pyotp-2.12-vectors.json, so that a
# clone of this repository tests on its own.
VECTORS = Path(__file__).resolve().parent / "vectors"


@pytest.fixture(scope="session")
def rfc_vectors() -> dict:
    """RFC 4226 Appendix D and RFC 6238 Appendix B vectors."""
    return json.loads((VECTORS / "rfc.json").read_text())


@pytest.fixture(scope="session")
def pyotp_vectors() -> dict:
    """Outputs recorded from pyotp 2.12.0 (URIs, parse results, codes)."""
    return json.loads((VECTORS / "pyotp-2.12-vectors.json").read_text())
