#!/usr/bin/env bash
# Installs the Rust Jupyter kernel evcxr (pinned) and registers it as "rust",
# started through scripts/kernel/start_kernel.py with the course's build profile.
# Building evcxr_jupyter takes about 10 minutes once; later runs find it installed.
#   scripts/install_kernel.sh [--prefix DIR]   (DIR: kernelspec for all users)
set -euo pipefail
cd "$(dirname "$0")/.."
EVCXR_VERSION=0.22.0

if ! cargo install --list | grep -q "^evcxr_jupyter v$EVCXR_VERSION:"; then
    echo "Installiere evcxr_jupyter $EVCXR_VERSION (einmalig, etwa 10 Minuten) …"
    cargo install evcxr_jupyter --version "$EVCXR_VERSION" --locked
fi
python3 scripts/kernel/install_kernelspec.py --evcxr "$(command -v evcxr_jupyter)" "$@"
