"""What ``--help`` says about the service's options matches what they accept (issue 26)."""

import contextlib
import io

import pytest
from pyotp_rs.cli import main


@pytest.mark.parametrize("command", [["serve"], ["rotate-key"]])
def test_db_help_names_postgresql(command: list[str]) -> None:
    """``--db`` takes PostgreSQL URLs as well as SQLite paths, and the help says so."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main([*command, "--help"])
    help_text = " ".join(out.getvalue().split())
    assert "a file path, sqlite:///path or postgresql://USER:PASSWORD@HOST/DB" in help_text
