#!/usr/bin/env bash
# Richtet den Kurs für eine ganze Klasse auf einem Debian/Ubuntu-Server ein (als root):
#
#   sudo bash scripts/hub/install_hub.sh [--lehrende NAME] [--nur-einzelserver]
#
# Installs, once for all users and readable by all:
#   /opt/erstes-netz/rust     the Rust toolchain every kernel uses
#   /opt/erstes-netz/bin      evcxr_jupyter (the Rust kernel)
#   /opt/erstes-netz/venv     JupyterHub, JupyterLab, nbgrader; the kernelspec "rust"
#   /opt/erstes-netz/node     configurable-http-proxy (npm, pinned by package-lock.json)
#   /opt/erstes-netz/kurs     the course (crate, data, notebooks), read-only for students
#   /opt/erstes-netz/vendor   the crates' sources (`cargo vendor`): no downloads per user
#   /var/cache/erstes-netz    the compile cache built here, read by every student's kernel
#   /etc/erstes-netz          jupyterhub_config.py (and a systemd unit, where systemd runs)
#   /etc/jupyter/nbgrader_config.py and the exchange /usr/local/share/nbgrader/exchange
# and the groups erstes-netz-studierende / erstes-netz-lehrende (who may log in).
# --lehrende NAME: NAME (an existing account) becomes instructor, with the nbgrader course
# in ~NAME/erstes-netz. --nur-einzelserver: no hub, no proxy, no unit (container images).
# --ohne-dienst: everything, but no systemd unit is installed or started (tests/test_hub.py).
# Safe to run again: what is installed and current is kept.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PREFIX="${ERSTES_NETZ_PREFIX:-/opt/erstes-netz}"
SHARED="${ERSTES_NETZ_SHARED_CACHE:-/var/cache/erstes-netz}"
ETC=/etc/erstes-netz
EXCHANGE="${ERSTES_NETZ_EXCHANGE:-/usr/local/share/nbgrader/exchange}"
RUST_VERSION=1.95.0
EVCXR_VERSION=0.22.0
LEHRENDE=""
HUB=1
DIENST=1
while [ $# -gt 0 ]; do
    case "$1" in
        --lehrende) LEHRENDE="$2"; shift 2 ;;
        --nur-einzelserver) HUB=0; shift ;;
        --ohne-dienst) DIENST=0; shift ;;
        *) echo "Unbekannte Option: $1 (erlaubt: --lehrende NAME, --nur-einzelserver, --ohne-dienst)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "Bitte als root ausführen (sudo bash $0 …)." >&2; exit 2; }
umask 022
say() { echo "== $*"; }

# -- system packages: a C linker for rustc, Python's venv, npm for the proxy ------------------
# The system's Python: every account must be able to run it (a pyenv or conda Python in
# root's home is not readable for students, and a venv only links to its interpreter).
PYTHON="${ERSTES_NETZ_PYTHON:-/usr/bin/python3}"
missing=()
command -v cc >/dev/null || missing+=(build-essential)
[ -x "$PYTHON" ] || missing+=(python3)
"$PYTHON" -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
[ "$HUB" -eq 0 ] || command -v npm >/dev/null || missing+=(nodejs npm)
command -v git >/dev/null || missing+=(git)
if [ ${#missing[@]} -gt 0 ]; then
    say "Debian-Pakete: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
groupadd -f erstes-netz-studierende
groupadd -f erstes-netz-lehrende
mkdir -p "$PREFIX/bin" "$ETC"

# -- Rust toolchain for all users ------------------------------------------------------------
# A toolchain folder (bin/rustc, bin/cargo, lib/) works from anywhere. Taken from the admin's
# rustup toolchain of the same version when there is one, else installed with rustup.
if ! "$PREFIX/rust/bin/rustc" --version 2>/dev/null | grep -q "^rustc $RUST_VERSION "; then
    sysroot=""
    if command -v rustc >/dev/null && rustc --version | grep -q "^rustc $RUST_VERSION "; then
        sysroot="$(rustc --print sysroot)"
    fi
    if [ -z "$sysroot" ] || [ ! -x "$sysroot/bin/cargo" ]; then
        say "Rust $RUST_VERSION mit rustup (static.rust-lang.org)"
        export RUSTUP_HOME="$PREFIX/rustup" CARGO_HOME="$PREFIX/cargo"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
            sh -s -- -y --no-modify-path --profile minimal --default-toolchain "$RUST_VERSION"
        sysroot="$("$CARGO_HOME/bin/rustc" --print sysroot)"
        unset RUSTUP_HOME CARGO_HOME
    fi
    say "Rust-Toolchain nach $PREFIX/rust (aus $sysroot)"
    rm -rf "$PREFIX/rust.neu"
    mkdir -p "$PREFIX/rust.neu"
    tar -C "$sysroot" --exclude=./share/doc -cf - . | tar -C "$PREFIX/rust.neu" -xf -
    rm -rf "$PREFIX/rust"
    mv "$PREFIX/rust.neu" "$PREFIX/rust"
fi
export PATH="$PREFIX/rust/bin:$PATH"

# -- the kernel: evcxr_jupyter ---------------------------------------------------------------
# (evcxr_jupyter has no --version: a stamp file beside it says which one it is.)
if [ "$(cat "$PREFIX/bin/.evcxr_jupyter-version" 2>/dev/null)" != "$EVCXR_VERSION" ]; then
    own="${CARGO_HOME:-$HOME/.cargo}/bin/evcxr_jupyter"
    if [ -x "$own" ] && cargo install --list 2>/dev/null | grep -q "^evcxr_jupyter v$EVCXR_VERSION:"; then
        say "evcxr_jupyter $EVCXR_VERSION: übernommen aus $own"
        install -m 755 "$own" "$PREFIX/bin/evcxr_jupyter"
    else
        say "evcxr_jupyter $EVCXR_VERSION übersetzen (einmalig, etwa 10 Minuten)"
        cargo install evcxr_jupyter --version "$EVCXR_VERSION" --locked --root "$PREFIX/build-evcxr"
        install -m 755 "$PREFIX/build-evcxr/bin/evcxr_jupyter" "$PREFIX/bin/evcxr_jupyter"
        rm -rf "$PREFIX/build-evcxr"
    fi
    echo "$EVCXR_VERSION" >"$PREFIX/bin/.evcxr_jupyter-version"
fi

# -- Python: JupyterHub, JupyterLab, nbgrader ------------------------------------------------
if ! runuser -u nobody -- "$PREFIX/venv/bin/python" -c "" 2>/dev/null ||
    ! cmp -s "$ROOT/requirements-hub.txt" "$PREFIX/venv/.requirements-hub.txt" ||
    ! cmp -s "$ROOT/requirements-nbgrader.txt" "$PREFIX/venv/.requirements-nbgrader.txt" ||
    ! cmp -s "$ROOT/requirements.txt" "$PREFIX/venv/.requirements.txt"; then
    say "Python-Pakete nach $PREFIX/venv"
    rm -rf "$PREFIX/venv"
    "$PYTHON" -m venv "$PREFIX/venv"
    "$PREFIX/venv/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/requirements-hub.txt"
    for f in requirements-hub.txt requirements-nbgrader.txt requirements.txt; do cp "$ROOT/$f" "$PREFIX/venv/.$f"; done
    runuser -u nobody -- "$PREFIX/venv/bin/python" -c "" || {
        echo "$PREFIX/venv/bin/python ist für andere Konten nicht ausführbar (liegt $PYTHON in einem privaten Ordner?). ERSTES_NETZ_PYTHON=/usr/bin/python3 setzen." >&2
        exit 1
    }
fi

# -- the proxy -------------------------------------------------------------------------------
if [ "$HUB" -eq 1 ] && ! cmp -s "$ROOT/scripts/hub/package-lock.json" "$PREFIX/node/package-lock.json"; then
    say "configurable-http-proxy (npm) nach $PREFIX/node"
    mkdir -p "$PREFIX/node"
    cp "$ROOT/scripts/hub/package.json" "$ROOT/scripts/hub/package-lock.json" "$PREFIX/node/"
    npm ci --prefix "$PREFIX/node" --omit=dev --no-audit --no-fund --loglevel=error
fi

# -- the course, and the crates' sources -----------------------------------------------------
say "Kurs nach $PREFIX/kurs"
rm -rf "$PREFIX/kurs.neu"
mkdir -p "$PREFIX/kurs.neu"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
        tar -C "$ROOT" --null -T - -cf - | tar -C "$PREFIX/kurs.neu" -xf -
else  # e.g. a container build context without .git
    tar -C "$ROOT" --exclude=./.git --exclude=./target --exclude=./.venv --exclude=./fuzz/target \
        --exclude=./tests/browser/node_modules -cf - . | tar -C "$PREFIX/kurs.neu" -xf -
fi
if ! diff -rq "$PREFIX/kurs.neu" "$PREFIX/kurs" >/dev/null 2>&1; then
    rm -rf "$PREFIX/kurs.alt"
    [ ! -d "$PREFIX/kurs" ] || mv "$PREFIX/kurs" "$PREFIX/kurs.alt"
    mv "$PREFIX/kurs.neu" "$PREFIX/kurs"
    rm -rf "$PREFIX/kurs.alt"
else
    rm -rf "$PREFIX/kurs.neu"
fi
if ! cmp -s "$PREFIX/kurs/Cargo.lock" "$PREFIX/vendor/.Cargo.lock"; then
    say "Quelltexte der Crates nach $PREFIX/vendor (cargo vendor)"
    rm -rf "$PREFIX/vendor"
    (cd "$PREFIX/kurs" && cargo vendor --locked --versioned-dirs --quiet "$PREFIX/vendor" >/dev/null)
    cp "$PREFIX/kurs/Cargo.lock" "$PREFIX/vendor/.Cargo.lock"
fi

# -- the kernelspec "rust" for everyone (in the venv, so JupyterLab of every user finds it) ----
"$PREFIX/venv/bin/python" "$ROOT/scripts/kernel/install_kernelspec.py" \
    --evcxr "$PREFIX/bin/evcxr_jupyter" --prefix "$PREFIX/venv" --python "$PREFIX/venv/bin/python" \
    --toolchain "$PREFIX/rust" --shared-store "$SHARED/store" --vendor "$PREFIX/vendor" --proxy

# -- nbgrader: the exchange and the course id for everyone -----------------------------------
mkdir -p "$EXCHANGE" /etc/jupyter
chmod 1777 "$EXCHANGE"
# Written beside and renamed: an nbgrader started meanwhile reads the old file or the new one, never half of it.
sed -e "s|@EXCHANGE@|$EXCHANGE|" "$ROOT/scripts/hub/nbgrader_global_config.py" >/etc/jupyter/nbgrader_config.py.neu
mv -f /etc/jupyter/nbgrader_config.py.neu /etc/jupyter/nbgrader_config.py

# -- the hub ---------------------------------------------------------------------------------
if [ "$HUB" -eq 1 ]; then
    cp "$ROOT/scripts/hub/jupyterhub_config.py" "$ETC/jupyterhub_config.py"
    if [ "$DIENST" -eq 1 ] && [ -d /run/systemd/system ]; then
        sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@ETC@|$ETC|g" "$ROOT/scripts/hub/erstes-netz-hub.service" \
            >/etc/systemd/system/erstes-netz-hub.service
        systemctl daemon-reload
        systemctl enable --now erstes-netz-hub.service
    fi
fi

# -- the shared compile cache: the first cell of the lesson, compiled once here -------------
# Students' notebooks come from the nbgrader course, whose first cell names the crate by its
# absolute path; the same cell compiled here gives the same cache keys.
say "Gemeinsamen Übersetzungs-Cache $SHARED füllen (erste Zelle der Lektion)"
mkdir -p "$SHARED"
rm -rf "$SHARED/vorlage"
"$PREFIX/venv/bin/python" "$ROOT/scripts/nbgrader_course.py" "$SHARED/vorlage" \
    --crate "$PREFIX/kurs/crates/erstes_netz" >/dev/null
ERSTES_NETZ_KERNEL_CACHE="$SHARED" JUPYTER_PATH="$PREFIX/venv/share/jupyter" \
    "$PREFIX/venv/bin/python" "$ROOT/scripts/execute_notebook.py" --warm \
    "$SHARED/vorlage/source/01_erstes_netz/01_erstes_netz.ipynb"
chmod -R a+rX "$SHARED" "$PREFIX"

# -- the instructor's course -----------------------------------------------------------------
if [ -n "$LEHRENDE" ]; then
    id "$LEHRENDE" >/dev/null 2>&1 || { echo "Konto $LEHRENDE gibt es nicht (erst: adduser $LEHRENDE)" >&2; exit 2; }
    usermod -aG erstes-netz-lehrende "$LEHRENDE"
    home="$(getent passwd "$LEHRENDE" | cut -d: -f6)"
    runuser -u "$LEHRENDE" -- env -i HOME="$home" USER="$LEHRENDE" LANG=C.UTF-8 \
        PATH="$PREFIX/venv/bin:$PREFIX/rust/bin:/usr/local/bin:/usr/bin:/bin" bash -c "
        set -e
        '$PREFIX/venv/bin/python' '$PREFIX/kurs/scripts/nbgrader_course.py' '$home/erstes-netz' \
            --crate '$PREFIX/kurs/crates/erstes_netz' >/dev/null
        mkdir -p '$home/.jupyter'
        printf 'c = get_config()  # noqa: F821\nc.CourseDirectory.root = \"%s\"\n' '$home/erstes-netz' \
            >'$home/.jupyter/nbgrader_config.py'
        cd '$home/erstes-netz'
        for a in source/*/; do '$PREFIX/venv/bin/nbgrader' generate_assignment \"\$(basename \"\$a\")\" --force --log-level=WARN; done
    "
    say "Kurs für $LEHRENDE: $home/erstes-netz"
fi
say "Fertig. Hub starten: $PREFIX/venv/bin/jupyterhub -f $ETC/jupyterhub_config.py"
