#!/usr/bin/env bash
# The core tests (RFC vectors, pyotp parity and vectors) on every CPython >= 3.10 that pyenv offers on this
# machine, against the abi3 wheel scripts/check.sh built (target/check-wheel): one venv per version in
# target/matrix/, with only requirements-core-tests.txt beside the wheel. The default Python, which runs the
# whole suite, is left out. A supported version pyenv does not have is reported as SKIPPED on its own line;
# a failing version fails the script after every version has run. Usage: bash scripts/python-matrix.sh
set -uo pipefail
cd "$(dirname "$0")/.."

supported=(3.10 3.11 3.12 3.13 3.14)   # requires-python >= 3.10; the newest CPython release last
tests=(tests/test_rfc_vectors.py tests/test_pyotp_parity.py tests/test_pyotp_vectors.py)

wheels=(target/check-wheel/*.whl)
if [ "${#wheels[@]}" -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
    echo "python-matrix: expected one wheel in target/check-wheel (scripts/check.sh builds it)" >&2
    exit 1
fi
default=$("${PYTHON:-python3}" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

if command -v pyenv >/dev/null; then
    versions_dir="$(pyenv root)/versions"
else
    versions_dir="${PYENV_ROOT:-$HOME/.pyenv}/versions"
fi

# The newest installed patch release of a minor version (a plain CPython build: no 3.13t, no -dev).
newest_patch() {
    [ -d "$versions_dir" ] || return 0
    find "$versions_dir" -mindepth 1 -maxdepth 1 -printf '%f\n' | grep -E "^${1//./\\.}\.[0-9]+$" | sort -V | tail -n 1
}

# Minor versions pyenv has beyond the supported list (a newer CPython installed later) are tested too.
extra=()
if [ -d "$versions_dir" ]; then
    while read -r minor; do
        case " ${supported[*]} " in *" $minor "*) ;; *) extra+=("$minor") ;; esac
    done < <(find "$versions_dir" -mindepth 1 -maxdepth 1 -printf '%f\n' | grep -E '^3\.(1[0-9]|[2-9][0-9])\.[0-9]+$' |
        cut -d. -f1,2 | sort -uV)
fi

failed=()
for minor in "${supported[@]}" "${extra[@]}"; do
    if [ "$minor" = "$default" ]; then
        echo "-- CPython $minor: the default Python, which runs the whole suite"
        continue
    fi
    version=$(newest_patch "$minor")
    if [ -z "$version" ]; then
        echo "SKIPPED CPython $minor: not installed on this machine (no $versions_dir/$minor.*)"
        continue
    fi
    python="$versions_dir/$version/bin/python"
    venv="target/matrix/py$minor"
    echo "-- CPython $version ($python)"
    if ! {
        { [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"; } &&
            "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-core-tests.txt &&
            "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
                "${wheels[0]}" &&
            "$venv/bin/python" -c 'import pyotp_rs; assert "site-packages" in pyotp_rs.__file__, pyotp_rs.__file__' &&
            PYOTP_RS_TESTS=core "$venv/bin/python" -m pytest -q -p no:cacheprovider "${tests[@]}"
    }; then
        failed+=("$version")
    fi
done

if [ "${#failed[@]}" -ne 0 ]; then
    echo "python-matrix: the core tests failed on CPython ${failed[*]}" >&2
    exit 1
fi
