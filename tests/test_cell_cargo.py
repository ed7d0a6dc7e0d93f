"""The kernel's cargo (scripts/kernel/cell_cargo.py): Cargo only where more than the cell changed.

A stand-in Cargo (fake_cargo.py below) starts the real cell-rustc.sh in front of
a stand-in rustc as Cargo does, writes evcxr's library path file as evcxr's
wrapper does, and logs each run; so the tests see when Cargo ran and with which
command and environment rustc started. The real kernel's use of it is checked
in test_kernel_profile.py.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

KERNEL = ROOT / "scripts" / "kernel"
sys.path.insert(0, str(KERNEL))
import cell_cargo  # noqa: E402
import start_kernel  # noqa: E402

pytestmark = pytest.mark.skipif(os.name != "posix", reason="die Wrapper sind Shell-Skripte")

FAKE_RUSTC = """#!/bin/sh
# jobserver: whether the first file descriptor Cargo's jobserver variable names is open here
js=-
if [ -n "${CARGO_MAKEFLAGS:-}" ]; then
  fd=${CARGO_MAKEFLAGS#*--jobserver-fds=}; fd=${fd%%,*}
  if (eval ": <&$fd") 2>/dev/null; then js=offen; else js=zu; fi
fi
printf 'rustc %s jobserver=%s\\n' "$*" "$js" >> "$LOG"
if grep -q FEHLER src/lib.rs; then
  echo '{"$message_type":"diagnostic","message":"mismatched types","level":"error"}' >&2
  exit 1
fi
: > target/deps/libctx.so
"""

# Cargo's part, as far as the kernel's cargo sees it: a log line, the crate's
# rustc through the workspace wrapper (unless FRESH), evcxr's path file.
FAKE_CARGO = """import os, subprocess, sys
with open(os.environ["LOG"], "a") as log:
    log.write("cargo " + " ".join(sys.argv[1:]) + "\\n")
if sys.argv[1] != "build" or os.environ.get("FRESH"):
    sys.exit(0)
if os.environ.get("EDIT_DURING"):  # someone saves a source of the course crate meanwhile
    with open(os.environ["EDIT_DURING"], "a") as f:
        f.write("// neu\\n")
env = dict(os.environ, CARGO_MAKEFLAGS="-j --jobserver-fds=3,4", CARGO_PKG_NAME="ctx")
cmd = [os.environ["CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER"], os.environ["FAKE_RUSTC"], "--crate-name", "ctx",
       "src/lib.rs", "--out-dir", "target/deps", "-L", "dependency=" + os.path.abspath("target/deps"),
       "-L", "dependency=" + os.path.abspath("target/nicht-da"),
       "--extern", "erstes_netz=" + os.path.abspath("target/deps/liberstes_netz-1.rlib")]
status = subprocess.run(cmd, env=env).returncode
if status == 0:
    with open(os.environ["EVCXR_EXECUTION_SO_PATH"], "w") as f:
        f.write(os.path.abspath("target/deps/libctx.so"))
sys.exit(status)
"""


@pytest.fixture
def crate(tmp_path, monkeypatch):
    """A build folder as evcxr's, the course's wrappers, the stand-ins; cwd is the build folder."""
    base = tmp_path / "base"
    base.mkdir()
    wrapper = start_kernel.cell_rustc(base)
    fake_rustc = tmp_path / "rustc"
    fake_rustc.write_text(FAKE_RUSTC)
    fake_rustc.chmod(0o755)
    fake_cargo = tmp_path / "fake_cargo.py"
    fake_cargo.write_text(FAKE_CARGO)
    real_cargo = tmp_path / "toolchain" / "cargo"
    real_cargo.parent.mkdir()
    real_cargo.write_text(f"#!/bin/sh\nexec {sys.executable} {fake_cargo} \"$@\"\n")
    real_cargo.chmod(0o755)
    build = tmp_path / "build"
    (build / "src").mkdir(parents=True)
    (build / "target" / "deps").mkdir(parents=True)
    (build / "Cargo.toml").write_text('[package]\nname = "ctx"\n\n[dependencies]\nerstes_netz = { path = "../kurs" }\n')
    (build / "Cargo.lock").write_text("# lock\n")
    library = tmp_path / "kurs" / "src" / "lib.rs"
    library.parent.mkdir(parents=True)
    library.write_text("pub fn f() {}\n")
    (tmp_path / "kurs" / "Cargo.toml").write_text('[package]\nname = "erstes_netz"\n')
    # the course crate's dep-info, and a registry crate's, whose sources never change
    registry = tmp_path / "cargo-home" / "registry" / "ndarray" / "lib.rs"
    registry.parent.mkdir(parents=True)
    registry.write_text("")
    (build / "target" / "deps" / "erstes_netz-1.d").write_text(f"/x/liberstes_netz.rlib: {library}\n\n{library}:\n")
    (build / "target" / "deps" / "ndarray-2.d").write_text(f"/x/libndarray.rlib: {registry}\n")
    (build / "target" / "deps" / "liberstes_netz-1.rlib").write_bytes(b"rlib")
    monkeypatch.chdir(build)
    for k in ["CARGO_MAKEFLAGS", "FRESH", "EDIT_DURING", cell_cargo.RECORD_ENV]:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("CARGO_HOME", str(tmp_path / "cargo-home"))
    monkeypatch.setenv("LOG", str(tmp_path / "log"))
    monkeypatch.setenv("FAKE_RUSTC", str(fake_rustc))
    monkeypatch.setenv("CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER", str(wrapper))
    monkeypatch.setenv("EVCXR_EXECUTION_SO_PATH", str(build / ".evcxr-execution-so"))
    starter = start_kernel.cell_cargo(base, real_cargo.parent, "") / "cargo"
    return {"build": build, "starter": starter, "log": tmp_path / "log", "library": library, "registry": registry}


def build(crate, cell="fn main() {}", args=("build", "--message-format=json")):
    """Runs the kernel's cargo as evcxr does after writing the cell; (status, stderr, new log lines)."""
    (crate["build"] / "src" / "lib.rs").write_text(cell)
    so_file = crate["build"] / ".evcxr-execution-so"
    so_file.unlink(missing_ok=True)  # as evcxr does before every build
    before = crate["log"].read_text() if crate["log"].exists() else ""
    done = subprocess.run([crate["starter"], *args], capture_output=True, text=True)
    return done.returncode, done.stderr, crate["log"].read_text()[len(before) :].splitlines()


def ran_cargo(lines):
    return any(line.startswith("cargo ") for line in lines)


def test_the_second_build_starts_rustc_without_cargo(crate):
    status, _, first = build(crate)
    assert status == 0 and ran_cargo(first)
    assert (crate["build"] / "target" / cell_cargo.RECORD).is_file()
    status, _, second = build(crate, "fn main() { 1 + 1; }")
    assert status == 0 and not ran_cargo(second), second
    # the same rustc command (through cell-rustc.sh, so with -C lto=off), with a jobserver of its
    # own instead of the one of the Cargo process that has ended (its descriptors are closed here)
    rustc = lambda lines: [line for line in lines if line.startswith("rustc ")]  # noqa: E731
    assert rustc(first)[0].endswith("-C lto=off jobserver=zu")
    assert rustc(second) == [line.replace("jobserver=zu", "jobserver=offen") for line in rustc(first)]
    # evcxr finds the library's path where its wrapper would have written it
    so_path = (crate["build"] / ".evcxr-execution-so").read_text()
    assert so_path == str(crate["build"] / "target" / "deps" / "libctx.so")


@pytest.mark.parametrize(
    "change",
    [
        "Cargo.toml",
        "Cargo.lock",
        "config in a parent folder",
        "config in CARGO_HOME",
        "environment",
        "source of the course crate",
        "manifest of the course crate",
        "a new build script",
        "course crate rebuilt",
        "compiler",
        "garbled record",
    ],
)
def test_cargo_runs_again_when_anything_it_looks_at_changed(crate, change, monkeypatch):
    assert ran_cargo(build(crate)[2])
    build_dir = crate["build"]
    if change in ("Cargo.toml", "Cargo.lock"):
        with open(build_dir / change, "a") as f:
            f.write("\n# :dep\n")
    elif change == "config in a parent folder":
        (build_dir.parent / ".cargo").mkdir()
        (build_dir.parent / ".cargo" / "config.toml").write_text("[profile.dev]\nopt-level = 1\n")
    elif change == "config in CARGO_HOME":
        (Path(os.environ["CARGO_HOME"]) / "config.toml").write_text("[net]\noffline = true\n")
    elif change == "environment":
        monkeypatch.setenv("CARGO_PROFILE_DEV_OPT_LEVEL", "0")  # evcxr's :build_env
    elif change == "source of the course crate":
        stat = crate["library"].stat()  # any other time counts, an older one too (a file restored)
        os.utime(crate["library"], ns=(stat.st_atime_ns, stat.st_mtime_ns - 1_000_000_000))
    elif change == "manifest of the course crate":
        with open(crate["library"].parent.parent / "Cargo.toml", "a") as f:
            f.write("[features]\nneu = []\n")
    elif change == "a new build script":
        (crate["library"].parent.parent / "build.rs").write_text("fn main() {}\n")
    elif change == "compiler":
        rustc = Path(os.environ["FAKE_RUSTC"])
        rustc.write_text(rustc.read_text() + "# rustup update\n")
    elif change == "course crate rebuilt":
        (build_dir / "target" / "deps" / "liberstes_netz-1.rlib").write_bytes(b"neu!")
    else:
        (build_dir / "target" / cell_cargo.RECORD).write_bytes(b"\x00kaputt")
    status, _, lines = build(crate)
    assert status == 0 and ran_cargo(lines), change
    # and afterwards the next cell goes without Cargo again
    assert not ran_cargo(build(crate, "fn main() { 2; }")[2])


def test_the_linked_library_and_its_sources_are_watched_but_not_the_registry(crate):
    build(crate)
    import marshal

    record = marshal.loads((crate["build"] / "target" / cell_cargo.RECORD).read_bytes())
    watched = dict(record["sources"])
    kurs = crate["library"].parent.parent
    for path in [
        crate["build"] / "target" / "deps" / "liberstes_netz-1.rlib",
        Path(os.environ["CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER"]),
        Path(os.environ["FAKE_RUSTC"]),
        crate["library"],
        kurs / "Cargo.toml",
    ]:
        assert watched[str(path)] is not None, path
    for path in [kurs / "build.rs", kurs.parent / "Cargo.toml"]:  # not there, but watched for
        assert str(path) in watched and watched[str(path)] is None, path
    assert not any("registry" in path for path in watched)


def test_a_source_saved_while_cargo_runs_leaves_no_record(crate, monkeypatch):
    monkeypatch.setenv("EDIT_DURING", str(crate["library"]))
    assert ran_cargo(build(crate)[2])
    assert not (crate["build"] / "target" / cell_cargo.RECORD).exists()
    monkeypatch.delenv("EDIT_DURING")
    assert ran_cargo(build(crate)[2])  # Cargo sees the saved file
    assert not ran_cargo(build(crate, "fn main() { 3; }")[2])


def test_other_commands_and_fresh_builds_go_to_cargo_and_leave_no_record(crate, monkeypatch):
    record = crate["build"] / "target" / cell_cargo.RECORD
    assert ran_cargo(build(crate)[2]) and record.is_file()
    status, _, lines = build(crate, args=("check", "--message-format=json"))
    assert status == 0 and lines == ["cargo check --message-format=json"] and not record.exists()
    monkeypatch.setenv("FRESH", "1")  # Cargo finds nothing to build: no rustc command to keep
    assert ran_cargo(build(crate)[2]) and not record.exists()
    monkeypatch.delenv("FRESH")
    assert ran_cargo(build(crate)[2]) and record.is_file()
    # other arguments than the recorded ones
    status, _, lines = build(crate, args=("build", "--message-format=json", "--offline"))
    assert ran_cargo(lines)


def test_a_failed_build_keeps_no_record_and_errors_reach_evcxr(crate):
    record = crate["build"] / "target" / cell_cargo.RECORD
    status, stderr, lines = build(crate, "FEHLER")
    assert status == 1 and ran_cargo(lines) and not record.exists()
    assert '"level":"error"' in stderr
    assert ran_cargo(build(crate)[2]) and record.is_file()
    # replayed, the error reaches evcxr the same way
    status, stderr, lines = build(crate, "FEHLER")
    assert status == 1 and not ran_cargo(lines)
    assert '"message":"mismatched types"' in stderr
    # after a failed replay Cargo decides once (the failure might be one the record does not
    # see, e.g. a library removed behind Cargo's back), then cells go without it again
    assert ran_cargo(build(crate)[2])
    assert not ran_cargo(build(crate, "fn main() { 4; }")[2])


def test_kernel_env_puts_the_kernels_cargo_first_and_answers_rustup(tmp_path, monkeypatch):
    script = start_kernel.cell_rustc(tmp_path)
    fake_bin = tmp_path / "rustup-bin"  # a rustup installed beside everything else, as in /usr/bin
    fake_bin.mkdir()
    (fake_bin / "rustup").write_text(f"#!/bin/sh\necho \"rustup $*\"\n")
    (fake_bin / "rustup").chmod(0o755)
    monkeypatch.delenv("CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER", raising=False)
    monkeypatch.delenv("ERSTES_NETZ_CELL_CARGO", raising=False)
    monkeypatch.setenv("PATH", os.pathsep.join([str(fake_bin), os.environ["PATH"]]))
    env = start_kernel.kernel_env(tmp_path, {}, tmp_path / "kernels", script)
    first, *rest = env["PATH"].split(os.pathsep)
    assert Path(first).parent == tmp_path / "bin" and rest == os.environ["PATH"].split(os.pathsep)  # nothing removed
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True, check=True).stdout.strip()
    starter = Path(first) / "cargo"
    assert str(Path(sysroot) / "bin" / "cargo") in starter.read_text() and "cell_cargo.py" in starter.read_text()
    # evcxr's question is answered with the starter, every other goes to rustup
    rustup = lambda *a: subprocess.run([Path(first) / "rustup", *a], capture_output=True, text=True, check=True).stdout  # noqa: E731
    assert rustup("which", "cargo") == f"{starter}\n"
    assert rustup("which", "rustc") == "rustup which rustc\n"
    assert rustup("+nightly", "which", "cargo") == "rustup +nightly which cargo\n"  # evcxr's :toolchain
    # switched off, or with a rustc wrapper of the user's own (which records nothing): as before
    monkeypatch.setenv("ERSTES_NETZ_CELL_CARGO", "0")
    assert start_kernel.kernel_env(tmp_path, {}, tmp_path / "kernels", script)["PATH"] == os.environ["PATH"]
    monkeypatch.delenv("ERSTES_NETZ_CELL_CARGO")
    monkeypatch.setenv("CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER", "/opt/eigener-wrapper")
    assert start_kernel.kernel_env(tmp_path, {}, tmp_path / "kernels", script)["PATH"] == os.environ["PATH"]


def test_kernels_with_another_toolchain_get_a_folder_of_their_own(tmp_path):
    start_kernel.cell_rustc(tmp_path)
    chains = []
    for name in ["stable", "nightly"]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "cargo").write_text("")
        chains.append(start_kernel.cell_cargo(tmp_path, tmp_path / name, ""))
    assert chains[0] != chains[1]
    assert [str(tmp_path / n / "cargo") in (c / "cargo").read_text() for n, c in zip(["stable", "nightly"], chains)] == [True, True]
    assert not (chains[0] / "rustup").exists()  # none on PATH: evcxr takes cargo from PATH
