#!/usr/bin/env bash
# CI check: every constant and table of LambertWKernel.java that follows from a definition is what
# scripts/generate_lambertw_tables.py computes from it (mpmath at 50 digits), bit for bit; on a difference it prints
# a diff and the distance of each differing value in ulp, and exits 1. Needs a python3 with mpmath: the one on the
# PATH or /usr/bin/python3, else it installs Debian's python3-mpmath (with sudo when not root).
set -euo pipefail
cd "$(dirname "$0")/.."

python=
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import mpmath' 2>/dev/null; then
        python=$candidate
        break
    fi
done
if [ -z "$python" ]; then
    sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-mpmath
    python=/usr/bin/python3
fi
"$python" scripts/generate_lambertw_tables.py --check
