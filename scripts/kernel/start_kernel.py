#!/usr/bin/env python3
"""Starts evcxr_jupyter for the course; kernel.json runs

    python3 start_kernel.py /path/to/evcxr_jupyter --control_file {connection_file}

Every kernel compiles in its own new folder below <base>/kernels/<id>/tmp
(TMPDIR; <base>/tmp on Windows), where Cargo finds the course's profile
(<base>/.cargo/config.toml); <base> is
$ERSTES_NETZ_KERNEL_CACHE, else $XDG_CACHE_HOME/erstes-netz, else
~/.cache/erstes-netz. See scripts/kernel/README.md for the why of each step.

evcxr's :cache is not safe for two kernels at once: on every hit it rewrites
the entry's `hits` file in place (another kernel can read it empty, and the
build fails), and a new entry is written file by file where other kernels
already read it. So no kernel writes to a cache another kernel reads:

* <base>/store/<key>/ holds finished entries; nothing changes them.
* Each kernel gets its own cache <base>/kernels/<id>/evcxr/ (XDG_CACHE_HOME):
  one folder per entry of the store - and of the shared stores of a
  JupyterHub (kurs.json, "shared_stores") - with symbolic links to its files
  and a `hits` file of its own. Entries evcxr adds there are real files.
* A kernel holds a lock on <base>/kernels/<id>/lock while it runs. The next
  kernel to start moves the new, complete entries of ended kernels into the
  store (one rename per entry) and removes their folders.

kurs.json beside this script (written by install_kernelspec.py, optional):
{"toolchain": "/opt/…/rust", "shared_stores": ["/var/cache/erstes-netz/store"], "proxy": true};
$ERSTES_NETZ_SHARED_STORES (folders separated by ":") replaces "shared_stores";
with "proxy", evcxr runs behind kernel_proxy.py (ERSTES_NETZ_KERNEL_PROXY=0/1 overrides).
"""

import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no views, evcxr's cache used directly (one kernel at a time)
    fcntl = None

HERE = Path(__file__).resolve().parent
PROGRESS_DAYS = 7
ABANDONED_DAYS = 2


def kernel_base():
    if os.environ.get("ERSTES_NETZ_KERNEL_CACHE"):
        return Path(os.environ["ERSTES_NETZ_KERNEL_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "erstes-netz"


def settings(here=HERE):
    path = here / "kurs.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def dep_info_inputs(path):
    """The absolute input files a rustc dep-info (.d) file names."""
    return [Path(p) for p in _dep_info_strings(path)]


def _dep_info_strings(path):
    # Plain strings: a kernel start checks some 18,000 of them; as pathlib
    # objects the check of 316 entries took 0.28-0.33 s instead of 0.17-0.26 s.
    text = path.read_text(encoding="utf-8", errors="replace").replace("\\\n", " ")
    inputs = []
    for line in text.splitlines():
        if not line or line.startswith("#") or ":" not in line:
            continue
        target, _, deps = line.partition(": ")
        if not deps and target.endswith(":"):
            inputs.append(target[:-1])  # "input:" lines list one input each
        inputs.extend(d for d in re.split(r"(?<!\\)\s+", deps.strip()) if d)
    return [p.replace("\\ ", " ") for p in inputs if os.path.isabs(p)]


def artifact_names(entry):
    """File names of the artifacts an entry's `stderr` lists (as evcxr reads them back)."""
    names = []
    for line in (entry / "stderr").read_text(encoding="utf-8").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and isinstance(message.get("artifact"), str):
            names.append(Path(message["artifact"]).name)
    return names


def is_complete(entry, exists=os.path.exists):
    """True when evcxr finished writing the entry and every file its dep-info names exists.

    evcxr writes `stderr` last; an entry whose dep-info names a vanished file
    (the build folder of the kernel that compiled it) would make Cargo compile
    the crate and all that depends on it again in every cell.
    """
    try:
        names = artifact_names(entry)
        if not names or not (entry / "meta").is_file():
            return False
        if not all((entry / n).is_file() for n in names):
            return False
        return all(exists(p) for d in entry.glob("*.d") for p in _dep_info_strings(d))
    except (OSError, UnicodeDecodeError, KeyError):
        return False


def stale_entries(store):
    """Entries of a store that are not complete (see is_complete)."""
    return [e for e in sorted(store.glob("*")) if e.is_dir() and not is_complete(e)]


def removable_alone(store, stale):
    """Those of the `stale` entries that no other entry of `store` was compiled against.

    An entry's `meta` (rustc's arguments) names the libraries it was compiled
    against (`--extern name=…/libdep-<hash>.rlib`). The course crate built in a
    clone that is gone since is such a leaf: it can go alone, and everything
    else in the store stays valid. An entry others name must not go alone;
    those others would no longer fit the crate once it is compiled anew.
    """
    stale = set(stale)
    metas = []
    for entry in store.glob("*"):
        if entry.is_dir() and entry not in stale:
            try:
                metas.append((entry / "meta").read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue

    def libraries(entry):
        return [f.name for f in entry.iterdir() if f.suffix in (".rlib", ".rmeta", ".so", ".dylib", ".dll")]

    return [e for e in sorted(stale) if not any(name in meta for name in libraries(e) for meta in metas)]


class Lock:
    """An exclusive flock on a file; blocking unless wait=False."""

    def __init__(self, path, wait=True):
        self.file = open(path, "a+")
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            self.held = True
        except BlockingIOError:
            self.held = False
            self.file.close()

    def release(self):
        if self.held:
            self.file.close()
            self.held = False


def harvest(base):
    """Moves the new complete entries of ended kernels into the store; removes their folders.

    Returns the number of entries moved. Kernels still running hold their lock
    and are left alone; a kernel being set up is in a folder named ".…" until
    it holds its lock.
    """
    store = base / "store"
    store.mkdir(parents=True, exist_ok=True)
    kernels = base / "kernels"
    kernels.mkdir(parents=True, exist_ok=True)
    moved = 0
    doomed = []
    guard = Lock(base / "store.lock")
    try:
        for view in sorted(kernels.iterdir()):
            if view.name.startswith("."):
                if time.time() - view.stat().st_mtime > 86400:
                    shutil.rmtree(view, ignore_errors=True)  # a start that broke off
                continue
            lock = Lock(view / "lock", wait=False)
            if not lock.held:
                continue  # kernel still running
            moved += _move_new_entries(view / "evcxr", store)
            lock.release()
            # A killed kernel leaves its build folder (about 270 MB, 0.5 s to
            # delete): out of the way at once, deleted while this kernel starts.
            gone = kernels / f".weg-{view.name}"
            try:
                os.rename(view, gone)
                doomed.append(gone)
            except OSError:
                shutil.rmtree(view, ignore_errors=True)
        legacy = base / "evcxr"  # the cache of the launcher before views (start-kernel.sh)
        if legacy.is_dir() and not legacy.is_symlink():
            moved += _move_new_entries(legacy, store)
            shutil.rmtree(legacy, ignore_errors=True)
    finally:
        guard.release()
        remove_in_background(doomed)
    return moved


def remove_in_background(folders):
    """Deletes folders in a process of its own, which outlives the exec into evcxr."""
    if not folders:
        return
    code = "import shutil, sys\nfor f in sys.argv[1:]: shutil.rmtree(f, ignore_errors=True)"
    try:
        subprocess.Popen(
            [sys.executable, "-c", code, *map(str, folders)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True,
        )
    except OSError:
        pass  # harvest removes ".…" folders older than a day


def _move_new_entries(cache, store):
    moved = 0
    if not cache.is_dir():
        return 0
    for entry in cache.iterdir():
        own = entry.is_dir() and not any(f.is_symlink() for f in entry.iterdir())
        if own and not (store / entry.name).exists() and is_complete(entry):
            os.rename(entry, store / entry.name)
            moved += 1
    return moved


def open_view(base, stores):
    """A new private evcxr cache for one kernel, filled from `stores` (first one wins).

    Returns the folder (XDG_CACHE_HOME for evcxr) and the lock the kernel must hold.
    """
    kernels = base / "kernels"
    kernels.mkdir(parents=True, exist_ok=True)
    setup = Path(tempfile.mkdtemp(prefix=f".{os.getpid()}-", dir=kernels))
    lock = Lock(setup / "lock")
    cache = setup / "evcxr"
    cache.mkdir()
    exists = functools.lru_cache(maxsize=None)(os.path.exists)  # entries share many inputs
    for store in stores:
        if not store.is_dir():
            continue
        for entry in store.iterdir():
            target = cache / entry.name
            if target.exists() or not entry.is_dir() or not is_complete(entry, exists):
                continue
            target.mkdir()
            for f in entry.iterdir():
                if f.name != "hits":
                    os.symlink(f, target / f.name)
            (target / "hits").write_text("0")
    view = kernels / setup.name[1:]
    os.rename(setup, view)  # the lock stays held: it belongs to the open file
    return view, lock


def copy_if_changed(source, target):
    """Copies atomically, so that a kernel starting at the same time never reads half a file."""
    write_if_changed(target, source.read_bytes())


def write_if_changed(target, data, mode=None):
    """Writes `data` (bytes) to `target` atomically, unless it already holds them."""
    if target.is_file() and target.read_bytes() == data:
        return
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    tmp.write_bytes(data)
    if mode is not None:
        tmp.chmod(mode)
    os.replace(tmp, target)


def remove_abandoned_build_dirs(tmp):
    # Before 06.12. every kernel compiled in <base>/tmp/.tmp…; evcxr removes its
    # folder when it ends, but not when it is killed (about 270 MB each: 20 GB
    # had gathered here). Kernels now compile inside their own folder, which the
    # next kernel start removes once the kernel has ended; the old folders go
    # when no cell has been compiled in them for two days.
    limit = time.time() - ABANDONED_DAYS * 86400
    for d in tmp.glob(".tmp*"):
        try:
            newest = d.stat().st_mtime
        except OSError:
            continue
        try:
            newest = max(newest, (d / "src" / "lib.rs").stat().st_mtime)
        except OSError:
            pass  # no cell compiled yet: the folder's own time counts
        if newest < limit:
            shutil.rmtree(d, ignore_errors=True)


def remove_old_progress_files(tmp):
    # check::fortschritt() keeps a kernel's results in a small file named by its
    # process id; those of kernels that ended long ago go.
    limit = time.time() - PROGRESS_DAYS * 86400
    for f in tmp.glob("erstes-netz-fortschritt-*.txt"):
        try:
            if f.stat().st_mtime < limit:
                f.unlink()
        except OSError:
            pass


# Cargo runs this in front of rustc for workspace members only: the crate evcxr
# builds from the cells, never a library. Why -C lto=off: with evcxr's profile
# (opt-level 2, 16 codegen units) rustc runs a ThinLTO pass over all of the
# crate's codegen units in every cell, so incremental builds reuse nothing of
# the earlier cells' code; and every cell carries code that takes every
# variable of the notebook out of evcxr's store and puts it back. Without it,
# a cell after 38 cells of lesson 1 (24 variables) took 0.40 instead of 0.71 s,
# the whole lesson 0.81 of the time. The price: without ThinLTO nothing is
# inlined across the 16 codegen units, and an epoch of the lesson's own
# functions is about 12 % slower (scripts/kernel/README.md).
# Why the incremental folder per set of functions: see cell_incremental.py.
# The cells' crate is `ctx`; its source is the argument ending in lib.rs.
CELL_RUSTC = """#!/bin/sh
# Written by start_kernel.py (erstes-netz); see there and cell_incremental.py.
case " $* " in
*" --crate-name ctx "*)
  # The kernel's cargo (cell_cargo.py) asks for this command, to start it itself
  # next time where only the cell changed.
  if [ -n "${ERSTES_NETZ_CARGO_RECORD:-}" ]; then
    {cell_cargo} --record "$ERSTES_NETZ_CARGO_RECORD" "$0" "$@" </dev/null 2>/dev/null || :
  fi
  # evcxr's start-up cell has no dependencies, so Cargo leaves a Cargo.lock without
  # any. The course's lock in its place gives the next `:dep` the tested versions
  # and spares it resolving anew against crates.io (see course_lock).
  if [ -f {lock} ] && [ -f Cargo.toml ]; then
    section= deps=
    while IFS= read -r line; do
      case $line in
      "["*) section=$line ;;
      *=*) [ "$section" = "[dependencies]" ] && deps=1 ;;
      esac
    done <Cargo.toml
    if [ -z "$deps" ]; then
      cp {lock} .Cargo.lock.kurs 2>/dev/null && mv -f .Cargo.lock.kurs Cargo.lock
    fi
  fi
  src= inc= dir=
  for a; do
    case $a in *lib.rs) src=$a ;; incremental=*) inc=${a#incremental=} ;; esac
  done
  if [ -n "$src" ] && [ -n "$inc" ]; then
    used=$(awk -f {functions} "$src" 2>/dev/null)
    if [ -n "$used" ] || [ -f "$inc-cells/last" ]; then
      dir=$({chooser} "$inc" $used </dev/null 2>/dev/null)
    fi
  fi
  if [ -n "$dir" ]; then
    for a; do
      shift
      case $a in incremental=*) a="incremental=$dir" ;; esac
      set -- "$@" "$a"
    done
  fi
  ;;
esac
exec "$@" -C lto=off
"""
HELPERS = ["cell_functions.awk", "cell_incremental.py", "cell_cargo.py"]
# Beside start_kernel.py too: the connection proxy (kernel_proxy.py, kurs.json "proxy").
PROXY = "kernel_proxy.py"


def course_lock(here=HERE):
    """The Cargo.lock whose versions the course tests, or None.

    Each kernel builds its cells in a new folder. Without a Cargo.lock there, the
    first `:dep` resolved all dependencies of the course crate anew: it asked
    crates.io for the newest versions (1.2-1.4 s of the first cell here, and an
    error without network) and took versions nobody had tested, which evcxr's
    cache then did not have either. The lock lies beside start_kernel.py in an
    installed kernelspec (install_kernelspec.py), else in the repository;
    $ERSTES_NETZ_CARGO_LOCK names another one ("" for none, as before).
    """
    if "ERSTES_NETZ_CARGO_LOCK" in os.environ:
        value = os.environ["ERSTES_NETZ_CARGO_LOCK"]
        return Path(value) if value and Path(value).is_file() else None
    for path in [here / "Cargo.lock", here.parent.parent / "Cargo.lock"]:
        if path.is_file():
            return path
    return None


def python_module(base, script):
    """A shell command that runs `script`'s main(argv) from `base`, imported as a module.

    Run as a script, Python compiles it anew every time (about 5 ms for
    cell_cargo.py here, which runs before every cell); imported, it keeps the
    bytecode in base/__pycache__. -I -S: no user site, no PYTHON* variables.
    """
    name = script.removesuffix(".py")
    code = f"import sys; sys.path.insert(0, sys.argv.pop(1)); import {name}; sys.exit({name}.main(sys.argv[1:]))"
    return " ".join(shlex.quote(a) for a in [sys.executable, "-I", "-S", "-c", code, str(base)])


def cell_rustc(base, lock=None):
    """Writes the wrapper for the cells' rustc into `base`; returns its path, or None where it cannot run.

    `lock` (a Cargo.lock) is copied to `base` for the wrapper to put into a new build folder.
    """
    if os.name != "posix":
        return None  # Windows: cells compile as evcxr sets them up
    script = base / "cell-rustc.sh"
    for helper in HELPERS:
        try:
            copy_if_changed(HERE / helper, base / helper)
        except OSError:
            pass  # a kernelspec installed before them: the script keeps Cargo's folder
    seed = ""
    if lock is not None:
        try:
            copy_if_changed(lock, base / "kurs-Cargo.lock")
            seed = str(base / "kurs-Cargo.lock")
        except OSError:
            pass  # unreadable: the kernel resolves as evcxr does by itself
    try:
        text = (
            CELL_RUSTC.replace("{lock}", shlex.quote(seed))
            .replace("{functions}", shlex.quote(str(base / HELPERS[0])))
            .replace("{chooser}", python_module(base, HELPERS[1]))
            .replace("{cell_cargo}", python_module(base, HELPERS[2]))
        )
        write_if_changed(script, text.encode(), mode=0o755)
        # A folder mounted noexec would stop every cell: try it once.
        subprocess.run([str(script), "true"], check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        print(f"Hinweis: {script} lässt sich nicht ausführen ({e}); Zellen übersetzen etwas langsamer.", file=sys.stderr)
        return None
    return script


# evcxr's cargo: see cell_cargo.py. evcxr takes cargo from `rustup which cargo`,
# else from PATH; a folder of the kernel's own, first in its PATH, answers both.
CELL_CARGO = """#!/bin/sh
# Written by start_kernel.py (erstes-netz); see cell_cargo.py.
exec {cell_cargo} --cargo {cargo} "$@"
"""
RUSTUP = """#!/bin/sh
# Written by start_kernel.py (erstes-netz): evcxr asks `rustup which cargo` for its cargo.
if [ "$#" -eq 2 ] && [ "$1" = which ] && [ "$2" = cargo ]; then
  printf '%s\\n' {starter}
  exit 0
fi
exec {rustup} "$@"
"""


def cell_cargo(base, toolchain_bin, path):
    """Writes the folder with evcxr's `cargo` (and `rustup`, where there is one on `path`); its path, or None.

    A folder per Python, toolchain and rustup: kernels started with another
    toolchain (RUSTUP_TOOLCHAIN, a rust-toolchain.toml) keep theirs.
    """
    import hashlib

    cargo = toolchain_bin / "cargo"
    script = base / HELPERS[2]
    if not (cargo.is_file() and script.is_file()):
        return None
    rustup = shutil.which("rustup", path=path)
    key = hashlib.sha256("\0".join([sys.executable, str(cargo), rustup or ""]).encode()).hexdigest()[:12]
    folder = base / "bin" / key
    starter = folder / "cargo"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        text = (
            CELL_CARGO.replace("{cell_cargo}", python_module(base, HELPERS[2]))
            .replace("{cargo}", shlex.quote(str(cargo)))
        )
        write_if_changed(starter, text.encode(), mode=0o755)
        if rustup:
            text = RUSTUP.replace("{starter}", shlex.quote(str(starter))).replace("{rustup}", shlex.quote(rustup))
            write_if_changed(folder / "rustup", text.encode(), mode=0o755)
    except OSError as e:
        print(f"Hinweis: {folder} lässt sich nicht anlegen ({e}); Zellen übersetzen etwas langsamer.", file=sys.stderr)
        return None
    return folder  # beside cell-rustc.sh, which runs (checked there)


def kernel_env(base, conf, cache_home, wrapper=None, tmp=None):
    env = dict(os.environ)
    if wrapper is not None:
        # A wrapper of the user's own stays.
        env.setdefault("CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER", str(wrapper))
    if conf.get("toolchain"):
        # evcxr asks `rustup which cargo` first; an admin's rustup would give another
        # toolchain than the students' (and other cache keys). Without rustup on PATH
        # it takes cargo and rustc from PATH.
        paths = [p for p in env.get("PATH", "").split(os.pathsep) if p and not (Path(p) / "rustup").exists()]
        env["PATH"] = os.pathsep.join([str(Path(conf["toolchain"]) / "bin"), *paths])
        for var in ["RUSTUP_TOOLCHAIN", "CARGO", "RUSTC"]:
            env.pop(var, None)
    # evcxr loads each cell as a library linked against Rust's libstd, found through
    # an $ORIGIN-relative run path that is one folder off when the build folder and
    # the toolchain share a parent below / (as $HOME/.cache and $HOME/.rustup do).
    sysroot, libdir = subprocess.run(
        ["rustc", "--print", "sysroot", "--print", "target-libdir"], capture_output=True, text=True, check=True, env=env
    ).stdout.splitlines()[:2]
    for var in ["LD_LIBRARY_PATH", "DYLD_FALLBACK_LIBRARY_PATH"]:
        env[var] = libdir + (os.pathsep + env[var] if env.get(var) else "")
    # Only with the course's cell-rustc.sh, which records the command cell_cargo.py replays.
    ours = wrapper is not None and env.get("CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER") == str(wrapper)
    if ours and os.environ.get("ERSTES_NETZ_CELL_CARGO") != "0":
        folder = cell_cargo(base, Path(sysroot) / "bin", env.get("PATH", ""))
        if folder is not None:
            env["PATH"] = os.pathsep.join([str(folder), *([env["PATH"]] if env.get("PATH") else [])])
    env["TMPDIR"] = str(tmp or base / "tmp")
    env["XDG_CACHE_HOME"] = str(cache_home)
    # evcxr's allocator (mimalloc) asks Linux for transparent huge pages for its
    # arenas; rust-analyzer inside evcxr fills about 450 MB of them before the
    # first cell. On the course's VMs each fresh 2 MiB page is slow to hand out:
    # kernel start 7.6 s with them, 4.4 s without, the notebook's first cell 8.6
    # against 6.5 s (medians of 7 pairs of fresh kernels; scripts/kernel/README.md). Only evcxr's own memory is affected, not the students' arrays.
    env.setdefault("MIMALLOC_ALLOW_THP", "0")
    return env


def claim_build_dir(env):
    """Keeps $EVCXR_TMPDIR (a fixed build folder, as the warm-up uses) to one kernel.

    Two kernels in one build folder overwrite each other's generated source, and
    one compiles the other's cells - errors that make no sense for either. A
    second kernel gets a new folder of its own instead. Returns the held lock.
    """
    folder = env.get("EVCXR_TMPDIR")
    if not folder or fcntl is None:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    lock = Lock(Path(folder) / ".erstes-netz-kernel.lock", wait=False)
    if lock.held:
        os.set_inheritable(lock.file.fileno(), True)
        return lock
    print(
        f"Hinweis: Der Übersetzungsordner {folder} (EVCXR_TMPDIR) gehört schon einem anderen "
        "Kernel; dieser Kernel übersetzt in einem eigenen neuen Ordner.",
        file=sys.stderr,
    )
    del env["EVCXR_TMPDIR"]
    return None


def main(argv):
    if len(argv) < 1:
        sys.exit("Aufruf: start_kernel.py /pfad/zu/evcxr_jupyter [Argumente …]")
    evcxr, args = argv[0], argv[1:]
    base = kernel_base()
    conf = settings()
    for d in ["tmp", ".cargo"]:
        (base / d).mkdir(parents=True, exist_ok=True)
    remove_old_progress_files(base / "tmp")
    if fcntl is not None:  # on Windows, kernels still compile in <base>/tmp
        remove_abandoned_build_dirs(base / "tmp")
    copy_if_changed(HERE / "cargo-config.toml", base / ".cargo" / "config.toml")
    if fcntl is None:
        cache_home, tmp = base, None
    else:
        harvest(base)
        shared = conf.get("shared_stores", [])
        if "ERSTES_NETZ_SHARED_STORES" in os.environ:  # e.g. "" to measure without them
            shared = [p for p in os.environ["ERSTES_NETZ_SHARED_STORES"].split(os.pathsep) if p]
        stores = [base / "store", *map(Path, shared)]
        view, lock = open_view(base, stores)
        os.set_inheritable(lock.file.fileno(), True)  # held by evcxr until it ends
        cache_home = view
        # Inside the kernel's own folder, so that its build folder goes with it
        # even when the kernel was killed (see harvest).
        tmp = view / "tmp"
        tmp.mkdir()
    env = kernel_env(base, conf, cache_home, cell_rustc(base, course_lock()), tmp)
    build_dir_lock = claim_build_dir(env)
    if tmp is not None and wants_proxy(conf, args):
        import kernel_proxy

        status = kernel_proxy.run(evcxr, args, env, str(tmp))
        if status is not None:
            sys.exit(status if status >= 0 else 128 - status)  # killed by a signal: as a shell reports it
    os.execve(evcxr, [evcxr, *args], env)


def wants_proxy(conf, args):
    """Whether evcxr runs behind kernel_proxy.py: where the kernelspec asks for it (or
    ERSTES_NETZ_KERNEL_PROXY=1; =0 switches it off) and pyzmq is there."""
    wanted = os.environ.get("ERSTES_NETZ_KERNEL_PROXY")
    if not (conf.get("proxy") if wanted is None else wanted == "1") or "--control_file" not in args:
        return False
    try:
        import kernel_proxy  # noqa: F401 – missing beside a kernelspec installed before it
        import zmq  # noqa: F401
    except ImportError as e:
        print(f"Hinweis: Der Kernel läuft ohne Verbindungs-Proxy ({e}).", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    main(sys.argv[1:])
