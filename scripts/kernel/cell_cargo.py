"""The kernel's `cargo`: runs Cargo, or – where only the cell changed – the cell's rustc alone.

    main(["--cargo", REAL_CARGO, ARG…])   (<base>/bin/<key>/cargo, written by start_kernel.py)

evcxr runs `cargo build` for every cell. Between two cells only src/lib.rs
changes, yet Cargo checks the fingerprints of all ~60 libraries each time:
about 60 ms of a trivial cell's 0.25 s (scripts/kernel/README.md, "Cargo nur,
wenn sich mehr als die Zelle ändert"). So after a successful `cargo build`
that compiled the cells' crate, this script keeps what Cargo decided on
(`target/.erstes-netz-cell-cargo`): the command line and environment with
which Cargo started the cells' rustc (recorded by cell-rustc.sh, which Cargo
runs for that crate only) and everything Cargo's decision rests on:

- its own arguments, folder and environment;
- Cargo.toml, Cargo.lock and every Cargo configuration file that applies;
- the wrapper and the compiler, the libraries that rustc links (`--extern`),
  every source file outside Cargo's registry that a library was built from
  (from the libraries' dep-info files: the course crate's sources, for one),
  and the manifests, locks and build scripts in the folders above them.

The next `cargo build` with all of these unchanged starts that rustc command
itself, as Cargo would have (stdin /dev/null, a jobserver with a job per
processor). Anything else – another Cargo command, an unreadable record, any
difference, a source changed while Cargo ran – runs Cargo itself, which first
removes the record; so does the next build after a replay that failed (a
compile error, or anything the record does not see). rustc's own diagnostics
(JSON) reach evcxr as they do through Cargo.

    main(["--record", FILE, ARG…])   (cell-rustc.sh, during Cargo's build)

writes the rustc command (ARG…, starting with cell-rustc.sh itself), its
folder and environment to FILE.
"""

import marshal
import os
import sys
import time

RECORD = ".erstes-netz-cell-cargo"  # below target/, so `cargo clean` and the build folder take it along
RECORD_ENV = "ERSTES_NETZ_CARGO_RECORD"  # tells cell-rustc.sh where to record the rustc command
VERSION = 1
# Cargo's jobserver: file descriptors (or a fifo) of the Cargo process that
# started the recorded rustc. In a later process those numbers may be other
# files, so they are not recorded; a replay brings a jobserver of its own.
JOBSERVER_ENV = ("CARGO_MAKEFLAGS", "MAKEFLAGS", "MFLAGS")
SO_PATH_ENV = "EVCXR_EXECUTION_SO_PATH"  # evcxr's rustc wrapper names the compiled library there


def main(argv):
    if argv[:1] == ["--record"] and len(argv) >= 3:
        record_rustc(argv[1], argv[2:])
        return 0
    if argv[:1] != ["--cargo"] or len(argv) < 2:
        sys.stderr.write("Aufruf: cell_cargo.py --cargo CARGO ARG… oder --record DATEI ARG…\n")
        return 2
    cargo, args = argv[1], argv[2:]
    record_path = os.path.join("target", RECORD)
    replay = replay_command(record_path, args) if args[:1] == ["build"] else None
    if replay is None:
        return run_cargo(cargo, args, record_path)
    status = run_rustc(*replay)
    if status != 0:
        # A compile error, or something the record does not see (a compiler
        # updated in place): Cargo decides next time.
        remove(record_path)
    return exit_as(status)


def run_rustc(argv, env, cwd, so_path):
    """Starts the recorded rustc as Cargo would (stdin /dev/null, a jobserver); its exit code."""
    import signal

    so_file = os.environ.get(SO_PATH_ENV)
    if so_file:
        with open(so_file, "w", encoding="utf-8") as f:
            f.write(so_path)
    # Cargo's jobserver: as many jobs as processors, one of them implicit.
    read, write = os.pipe()
    os.write(write, b"|" * (max(1, os.cpu_count() or 1) - 1))
    os.set_inheritable(read, True)
    os.set_inheritable(write, True)
    env = dict(env, CARGO_MAKEFLAGS=f"-j --jobserver-fds={read},{write} --jobserver-auth={read},{write}")
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT):  # Python ignores the first two
                signal.signal(sig, signal.SIG_DFL)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.execve(argv[0], argv, env)
        except OSError as e:
            sys.stderr.write(f"cell_cargo.py: {argv[0]} lässt sich nicht starten ({e})\n")
        finally:
            os._exit(127)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as in run_cargo
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def exit_as(status):
    """Ends this process as the child did: its exit code, or its signal."""
    if status < 0:
        import signal

        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    return status


def replay_command(record_path, args):
    """(argv, env, cwd, so_path) of the recorded rustc if nothing Cargo looks at changed, else None."""
    try:
        with open(record_path, "rb") as f:
            record = marshal.load(f)
        if record["version"] != VERSION or record["args"] != args or record["cwd"] != os.getcwd():
            return None
        if record["env"] != dict(os.environ):
            return None
        if any(read_or_none(path) != content for path, content in record["files"]):
            return None
        if any(stat_or_none(path) != seen for path, seen in record["sources"]):
            return None
        rustc = record["rustc"]
        return rustc["argv"], rustc["env"], rustc["cwd"], record["so_path"]
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        return None


def run_cargo(cargo, args, record_path):
    """Cargo itself; keeps a record when it built the cells' crate successfully."""
    remove(record_path)
    if args[:1] != ["build"]:
        os.execv(cargo, [cargo, *args])
    import signal
    import subprocess

    partial = os.path.abspath(record_path + ".rustc")
    remove(partial)
    started = time.time_ns()
    child = subprocess.Popen([cargo, *args], env=dict(os.environ, **{RECORD_ENV: partial}))
    # An interrupt reaches Cargo too (Jupyter sends it as a message to evcxr, but a
    # terminal would send it to all): this script waits for Cargo and reports as it does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status = child.wait()
    try:
        if status == 0:
            write_record(record_path, partial, args, started)
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        remove(record_path)  # a record only where everything in it could be read
    finally:
        remove(partial)
    return exit_as(status)


def write_record(record_path, partial, args, started):
    try:
        with open(partial, "rb") as f:
            rustc = marshal.load(f)
    except FileNotFoundError:
        return  # Cargo found the cells' crate fresh and started no rustc for it
    so_file = os.environ.get(SO_PATH_ENV)
    so_path = read_or_none(so_file) if so_file else None
    if so_path is None:
        return  # evcxr's wrapper did not name the library: nothing to hand evcxr later
    inputs = [(path, stat_or_none(path)) for path in input_files(rustc["argv"], os.environ)]
    if any(seen is not None and seen[0] >= started for _, seen in inputs):
        return  # changed while Cargo ran: Cargo may have read it before or after
    libraries = [(path, stat_or_none(path)) for path in linked_libraries(rustc["argv"])]
    record = {
        "version": VERSION,
        "args": args,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "files": [(path, read_or_none(path)) for path in config_files(os.getcwd(), os.environ)],
        "sources": libraries + inputs,
        "rustc": rustc,
        "so_path": so_path.decode("utf-8"),
    }
    temporary = record_path + ".tmp"
    with open(temporary, "wb") as f:
        marshal.dump(record, f)
    os.replace(temporary, record_path)


def record_rustc(path, argv):
    env = {k: v for k, v in os.environ.items() if k != RECORD_ENV and k not in JOBSERVER_ENV}
    temporary = path + ".tmp"
    with open(temporary, "wb") as f:
        marshal.dump({"argv": argv, "env": env, "cwd": os.getcwd()}, f)
    os.replace(temporary, path)


def config_files(cwd, env):
    """Every file whose content decides what Cargo builds here, present or not."""
    files = [os.path.join(cwd, "Cargo.toml"), os.path.join(cwd, "Cargo.lock")]
    folder = cwd
    while True:
        files += [os.path.join(folder, ".cargo", name) for name in ("config.toml", "config")]
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    files += [os.path.join(cargo_home(env), name) for name in ("config.toml", "config")]
    return files


def cargo_home(env):
    return env.get("CARGO_HOME") or os.path.join(os.path.expanduser("~"), ".cargo")


def linked_libraries(rustc_argv):
    """The libraries the recorded rustc links (`--extern`): Cargo's outputs, which only Cargo changes."""
    pairs = zip(rustc_argv, rustc_argv[1:])
    return sorted({b.split("=", 1)[1] for a, b in pairs if a == "--extern" and "=" in b})


def input_files(rustc_argv, env):
    """What Cargo would build anew from, were it changed.

    The wrapper and the compiler (`rustup update` replaces it in place), the
    libraries' sources outside Cargo's registry, and – in every folder above
    them – the manifests, locks and build scripts that decide how they are built.
    """
    sources = library_sources(rustc_argv, env)
    folders = set()
    for source in sources:
        folder = os.path.dirname(source)
        while folder not in folders and os.path.dirname(folder) != folder:
            folders.add(folder)
            folder = os.path.dirname(folder)
    names = ("Cargo.toml", "Cargo.lock", "build.rs")
    manifests = [os.path.join(folder, name) for folder in sorted(folders) for name in names]
    return [*rustc_argv[:2], *sources, *manifests]  # present or not: a new build.rs counts too


def library_sources(rustc_argv, env):
    """The source files of the libraries the cells' crate uses, outside Cargo's registry.

    Cargo rebuilds a library whose sources changed (the course crate, when
    someone edits it while the kernel runs); registry sources do not change.
    The dep-info files (`*.d`) in the `-L dependency=` folders list them.
    """
    unchanging = tuple(os.path.join(cargo_home(env), d) + os.sep for d in ("registry", "git"))
    folders = [a.split("=", 1)[1] for a in rustc_argv if a.startswith("dependency=")]
    sources = set()
    for folder in folders:
        try:
            names = sorted(os.listdir(folder))
        except FileNotFoundError:
            continue  # Cargo names both of its folders, whether it used them or not
        for name in names:
            if name.endswith(".d") and name != "ctx.d" and not name.startswith("ctx-"):
                sources.update(dep_info_paths(os.path.join(folder, name)))
    return sorted(p for p in sources if os.path.isabs(p) and not p.startswith(unchanging))


def dep_info_paths(path):
    """The files a dep-info file names (Makefile syntax: `target: dep dep`, spaces escaped as `\\ `)."""
    paths = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if ": " not in line or line.startswith("#"):
                continue
            deps = line.split(": ", 1)[1].replace("\\ ", "\0").split()
            paths += [d.replace("\0", " ") for d in deps]
    return paths


def read_or_none(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def stat_or_none(path):
    try:
        s = os.stat(path)
    except FileNotFoundError:
        return None
    return (s.st_mtime_ns, s.st_size)


def remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
