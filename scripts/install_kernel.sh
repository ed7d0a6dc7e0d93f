#!/usr/bin/env bash
# Installs the Rust Jupyter kernel evcxr (pinned) and registers it as "rust".
# Building evcxr_jupyter takes about 12 minutes once; later runs find it installed.
set -euo pipefail
EVCXR_VERSION=0.22.0

if ! cargo install --list | grep -q "^evcxr_jupyter v$EVCXR_VERSION:"; then
    echo "Installiere evcxr_jupyter $EVCXR_VERSION (einmalig, etwa 12 Minuten) …"
    cargo install evcxr_jupyter --version "$EVCXR_VERSION" --locked
fi
evcxr_jupyter --install >/dev/null
echo "Rust-Kernel evcxr_jupyter $EVCXR_VERSION ist als „rust“ eingerichtet."
