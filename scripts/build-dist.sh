#!/usr/bin/env bash
# Builds what PyPI accepts into dist/: a manylinux wheel and an sdist, without Docker.
# The wheel is linked by zig (the `ziglang` PyPI package) against glibc 2.17, so it installs on
# any x86_64 Linux with glibc >= 2.17 (manylinux2014); `auditwheel show` confirms the tag. The
# sdist is then built into a wheel by pip, as `pip install` does where no wheel fits, to show
# it builds from its own files. Needs Rust and Python >= 3.10; installs requirements-dist.txt into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dist.txt

rm -rf dist
echo "== manylinux wheel (linked by zig), checked by auditwheel"
bash scripts/build-wheel.sh dist

echo "== sdist, and a wheel built from it alone"
.venv/bin/maturin sdist --out dist
rm -rf target/sdist-wheel
.venv/bin/python -m pip wheel --quiet --disable-pip-version-check --no-deps dist/*.tar.gz -w target/sdist-wheel
ls -l dist target/sdist-wheel
