"""Shared test configuration: hypothesis profiles, the RFC and pyotp vectors, and the service fixtures."""

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


# The service fixtures need the server extra and the service test tools. The Python version matrix of
# scripts/check.sh and the release workflow's wheel tests run the core tests (RFC vectors, pyotp parity)
# with only requirements-core-tests.txt installed: they set PYOTP_RS_TESTS=core.
if os.environ.get("PYOTP_RS_TESTS") != "core":
    from servicefixtures import browser_type_launch_args, database, postgres, service_factory  # noqa: F401 (fixtures, found by name)
