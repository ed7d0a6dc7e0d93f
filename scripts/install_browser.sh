#!/usr/bin/env bash
# Installs what the browser test (tests/test_browser.py) needs: Debian's
# Chromium and the pinned playwright-core in tests/browser/node_modules.
# Playwright's own browser download is not used (it cannot be fetched here).
# Safe to run again: it only installs what is missing or changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHROMIUM=/usr/bin/chromium
BROWSER_DIR="$ROOT/tests/browser"
STAMP="$BROWSER_DIR/node_modules/.installed-lock"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The emoji font only serves the screenshots (✅ ❌ ✏️ in the feedback); the
# test itself reads the page's text.
EMOJI_FONT=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
if [ ! -x "$CHROMIUM" ] || [ ! -f "$EMOJI_FONT" ]; then
    echo "Installiere Chromium und eine Emoji-Schrift (Debian-Pakete) für den Browser-Test …"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium fonts-noto-color-emoji
fi
echo "Chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"

if ! command -v npm >/dev/null; then
    echo "Installiere Node.js und npm (Debian-Pakete) …"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$NODE_MAJOR" -lt 20 ]; then
    echo "Node.js $(node --version) ist zu alt: playwright-core braucht Node.js 20 oder neuer." >&2
    exit 1
fi

if [ ! -f "$STAMP" ] || ! cmp -s "$BROWSER_DIR/package-lock.json" "$STAMP"; then
    echo "Installiere playwright-core (npm ci in tests/browser) …"
    (cd "$BROWSER_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$BROWSER_DIR/package-lock.json" "$STAMP"
fi
echo "Browser-Test ist eingerichtet (Chromium und playwright-core)."
