#!/usr/bin/env bash
# Runs every check and test of pyotp-rs from a fresh clone: the README's test command.
# Needs only Rust, Python >= 3.10 and pip. The tools go into .venv (created if missing); the
# tests run against the distributable wheel (release build, manylinux2014 linked by zig),
# installed into a separate environment, target/check-venv: a `pip install .` in .venv stays
# as it was.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r requirements-dist.txt

echo "== Chromium for the web page's browser tests (Debian's package; Playwright cannot download one here)"
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "check.sh: the browser tests need /usr/bin/chromium: run 'apt-get install -y chromium' as root" >&2
        exit 1
    fi
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
        echo "check.sh: could not install Debian's chromium, which the browser tests need" >&2
        exit 1
    fi
fi

echo "== Rust: format, lint, unit tests"
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked --quiet

echo "== Build the distributable wheel and check its manylinux tag"
bash scripts/build-wheel.sh target/check-wheel

echo "== Install the wheel into target/check-venv, where the tests run"
venv=target/check-venv
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
    target/check-wheel/*.whl
"$venv/bin/python" -c 'import pyotp_rs; assert "site-packages" in pyotp_rs.__file__, pyotp_rs.__file__'

echo "== Stubs: regenerate and compare with the committed ones"
cargo run --locked --quiet --bin stub_gen
git diff --exit-code -- python/pyotp_rs/_pyotp_rs/__init__.pyi
"$venv/bin/python" -m mypy.stubtest pyotp_rs --allowlist tests/stubtest-allowlist.txt
"$venv/bin/mypy" --strict tests/typing_usage.py

echo "== Python: lint"
.venv/bin/ruff check python tests benches examples
.venv/bin/ruff format --check python tests benches examples

echo "== Python: tests, against the installed wheel"
export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-$([ -n "${CI:-}" ] && echo ci || echo dev)}
"$venv/bin/pytest" -q -p no:cacheprovider

echo "== Python versions: the core tests on every other CPython >= 3.10 that pyenv offers"
PYTHON="$venv/bin/python" bash scripts/python-matrix.sh

echo "== Release workflow: actionlint"
.venv/bin/actionlint .github/workflows/*.yml

echo "== Documentation site: mkdocs build --strict (broken links and references fail)"
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet --site-dir target/site
