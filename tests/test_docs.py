"""Every Python example of the documentation site (docs/*.md) runs and prints what it shows.

``pycon`` sessions run as doctests (``...`` stands for what differs from run to run: a random secret, an
object's address); ``python`` blocks run as written and must not raise. The blocks of one page share a
namespace, in order, in a fresh working directory (examples write files). The README's examples are run by
tests/test_readme.py.
"""

import doctest
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"^```(pycon|python)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def run_examples(text: str, name: str) -> str:
    """Runs the page's blocks in one namespace; returns doctest's report of failures ("" when none)."""
    namespace: dict[str, object] = {"__name__": "__docs__"}
    parser = doctest.DocTestParser()
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for block in BLOCK.finditer(text):
        kind, body = block.groups()
        line = text.count("\n", 0, block.start()) + 1
        if kind == "python":
            code = compile("\n" * line + body, name, "exec")
            exec(code, namespace)  # noqa: S102 (the page's example)
            continue
        test = parser.get_doctest(body, namespace, f"{name}, the session at line {line}", name, line)
        runner.run(test, out=report.append, clear_globs=False)
        namespace = test.globs  # the next block goes on where this one ended
    return "".join(report)


def test_every_page_is_checked() -> None:
    """The pages of the site's navigation are the files found here, so none escapes the examples test."""
    nav = re.findall(r":\s*(\S+\.md)$", (ROOT / "mkdocs.yml").read_text(), re.MULTILINE)
    assert sorted(nav) == [page.name for page in PAGES]


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_examples_print_what_they_show(page: Path, tmp_path: Path) -> None:
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        failures = run_examples(page.read_text(), f"docs/{page.name}")
    finally:
        os.chdir(cwd)
    assert failures == ""


def test_a_wrong_output_fails() -> None:
    """The runner reports a session whose shown output differs from what it prints."""
    assert "Expected:\n    '000000'" in run_examples("```pycon\n>>> '763850'\n'000000'\n```\n", "example")
