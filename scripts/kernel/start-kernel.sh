#!/bin/sh
# Starts evcxr_jupyter for the course: kernel.json runs
#   sh start-kernel.sh /path/to/evcxr_jupyter --control_file {connection_file}
#
# Every kernel compiles in its own new folder below $base/tmp (TMPDIR), where
# Cargo finds the course's profile ($base/.cargo/config.toml). evcxr's :cache
# lives in $base/evcxr (XDG_CACHE_HOME), apart from other evcxr caches, and is
# filled from the persistent build in $base/warm by `make setup` – see
# scripts/kernel/README.md for why.
set -e
here=$(dirname "$0")
evcxr="$1"
shift
base="${ERSTES_NETZ_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/erstes-netz}"
mkdir -p "$base/tmp" "$base/.cargo"
# check::fortschritt() keeps a kernel's results in a small file named by its process id;
# those of kernels that ended long ago go.
find "$base/tmp" -maxdepth 1 -name 'erstes-netz-fortschritt-*.txt' -mtime +7 -exec rm -f {} + 2>/dev/null || true
cmp -s "$here/cargo-config.toml" "$base/.cargo/config.toml" || cp "$here/cargo-config.toml" "$base/.cargo/config.toml"
# evcxr loads each cell as a library linked against Rust's libstd, found through an
# $ORIGIN-relative run path that is one folder off when the build folder and the
# toolchain share a parent below / (as $HOME/.cache and $HOME/.rustup do).
# The loader's search path finds libstd wherever the folders are.
libdir=$(rustc --print target-libdir)
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export DYLD_FALLBACK_LIBRARY_PATH="$libdir${DYLD_FALLBACK_LIBRARY_PATH:+:$DYLD_FALLBACK_LIBRARY_PATH}"
TMPDIR="$base/tmp" XDG_CACHE_HOME="$base" exec "$evcxr" "$@"
