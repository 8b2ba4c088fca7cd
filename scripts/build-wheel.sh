#!/usr/bin/env bash
# Builds the distributable wheel into the folder $1: release profile, manylinux2014 (glibc 2.17)
# linked by zig, and fails unless `auditwheel show` finds that tag. scripts/check.sh tests this
# very wheel; scripts/build-dist.sh ships it. Expects the tools of requirements-dist.txt in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1

rm -rf "$out"
PATH="$PWD/.venv/bin:$PATH" .venv/bin/maturin build --release --locked --quiet \
    --zig --compatibility manylinux2014 --out "$out"
wheel=$(ls "$out"/*.whl)
report=$(.venv/bin/auditwheel show "$wheel")
echo "$report"
grep -q 'manylinux_2_17_x86_64' <<<"$report" || {
    echo "error: $wheel is not manylinux_2_17_x86_64" >&2
    exit 1
}
