"""The README's examples run: the first prints what pyotp prints, the ``pycon`` sessions print what they show."""

import contextlib
import doctest
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parents[1]


def test_first_readme_example_prints_pyotps_answers() -> None:
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```python\n(.*?)```", readme, re.DOTALL)
    assert example is not None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example.group(1), "README.md", "exec"), {})  # noqa: S102 (the README example)
    totp = pyotp.TOTP("base32secret32323232323232")
    assert out.getvalue().splitlines() == [
        totp.at(1234567890),
        str(totp.verify("763850", for_time=1234567890)),
        totp.provisioning_uri(name="alice@google.com", issuer_name="Secure App"),
    ]


def test_pycon_sessions_print_what_they_show() -> None:
    readme = (ROOT / "README.md").read_text()
    sessions = re.findall(r"```pycon\n(.*?)```", readme, re.DOTALL)
    assert sessions
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, session in enumerate(sessions):
        runner.run(parser.get_doctest(session, {}, f"README pycon {number}", "README.md", 0))
    assert runner.summarize(verbose=False).failed == 0


def test_command_line_session_prints_what_it_shows(tmp_path: Path) -> None:
    """The README's ``console`` session: each command, run by bash in a new directory after the session's
    ``export`` lines, prints (standard output and error) what follows it."""
    readme = (ROOT / "README.md").read_text()
    (session,) = re.findall(r"```console\n(.*?)```", readme, re.DOTALL)
    commands = re.split(r"^\$ ", session, flags=re.MULTILINE)[1:]
    exports = [command for command in commands if command.startswith("export ")]
    assert exports
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for command in commands:
        line, _, shown = command.partition("\n")
        script = "".join(exports) + line
        run = subprocess.run(
            ["bash", "-c", script],
            check=False,
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.stdout + run.stderr == shown, line
    assert (tmp_path / "alice.png").read_bytes().startswith(b"\x89PNG")


def test_quickstart_enrols_and_verifies() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")], capture_output=True, text=True, check=True
    )
    fields = dict(line.split(":", 1) for line in run.stdout.splitlines())
    secret = fields["secret"].strip()
    uri = fields["provisioning URI"].strip()
    assert pyotp.parse_uri(uri).secret == secret
    assert uri == pyotp.TOTP(secret, name="alice@example.com", issuer="Example Co").provisioning_uri()
    assert fields["verifies"].strip() == "True"
    assert re.fullmatch(r"\d{6}", fields["current code"].strip())


def test_readme_links_work_on_pypi() -> None:
    """The README is the PyPI description, where relative links and bare anchors lead nowhere."""
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", readme) + re.findall(r'(?:src|href)="([^"]+)"', readme)
    assert targets
    relative = [target for target in targets if not target.startswith(("https://", "data:", "{"))]
    assert relative == []


def test_readme_names_the_minimum_rust_version() -> None:
    """The README states the Rust version that Cargo.toml requires."""
    version = re.search(r'^rust-version = "([\d.]+)"', (ROOT / "Cargo.toml").read_text(), re.MULTILINE)
    assert version is not None
    assert f"Rust {version[1]} or newer" in (ROOT / "README.md").read_text()


def test_readme_leads_with_what_installs_today() -> None:
    """No release is published yet: the install section starts from a checkout and the built wheel, and
    ``pip install pyotp-rs`` appears only under "After the first release"."""
    readme = (ROOT / "README.md").read_text()
    install = readme.index("\n## Install\n")
    checkout = readme.index("\n### From a checkout\n", install)
    wheel = readme.index("\n### From the wheel that `scripts/build-dist.sh` builds\n", install)
    release = readme.index("\n### After the first release\n", install)
    assert checkout < wheel < release
    assert readme.index("\npip install pyotp-rs ", install) > release
    assert "pip install '.[server]'" in readme[checkout:wheel]


def test_readme_stays_an_overview() -> None:
    """The README is a short overview (issue 26); the details live in docs/."""
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250
