"""The course's Rust kernel set-up (scripts/kernel/): what keeps cells fast.

- kernel.json starts evcxr through start_kernel.py with the course profile;
- after the first cell, later cells compile only the cell itself: no crate is
  built again (stale dep-info from evcxr's cache once rebuilt serde_core,
  thiserror, csv and the course crate in every cell);
- the course crate lands in evcxr's cache, keyed by a hash of its sources
  (crates/erstes_netz/build.rs), so that an edited crate is never handed back
  from the cache in its old form;
- on Linux and macOS, the cells' crate compiles without ThinLTO (a rustc wrapper
  for Cargo's workspace members), so later cells reuse the earlier cells' code,
  and a cell calling the notebook's own functions compiles in the incremental
  folder of that set of functions (tests/test_cell_incremental.py);
- on Linux, evcxr's own allocator keeps rust-analyzer off transparent huge
  pages (slow to hand out on the course's VMs), unless the user set otherwise.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from execute_notebook import kernel_cache  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts" / "kernel"))
import cell_cargo  # noqa: E402
import cell_incremental  # noqa: E402
import start_kernel  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("evcxr_jupyter") is None, reason="evcxr_jupyter fehlt – `make setup` installiert es")


def first_cell():
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "loesungen" / "01_erstes_netz.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


def test_kernel_json_starts_evcxr_through_the_course_script():
    spec = KernelSpecManager().get_kernel_spec("rust")
    assert spec.argv[1] == os.path.join(spec.resource_dir, "start_kernel.py")
    assert os.path.basename(spec.argv[2]) == "evcxr_jupyter"
    profile = open(os.path.join(spec.resource_dir, "cargo-config.toml"), encoding="utf-8").read()
    assert profile == (ROOT / "scripts" / "kernel" / "cargo-config.toml").read_text(encoding="utf-8")
    for helper in start_kernel.HELPERS:  # the cells' rustc wrapper takes them from beside start_kernel.py
        assert open(os.path.join(spec.resource_dir, helper), "rb").read() == (ROOT / "scripts" / "kernel" / helper).read_bytes(), helper


def test_later_cells_rebuild_no_crate(tmp_path):
    log = tmp_path / "kernel-stderr.txt"
    km = KernelManager(kernel_name="rust")
    with open(log, "w") as stderr:
        # Without the connection proxy: the kernel's process is evcxr itself (huge pages below).
        env = dict(os.environ, RUST_BACKTRACE="0", ERSTES_NETZ_KERNEL_PROXY="0")
        km.start_kernel(cwd=str(ROOT / "notebooks" / "loesungen"), env=env, stderr=stderr)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        outputs = []

        def run(code):
            def hook(msg):
                if msg["msg_type"] in ("stream", "execute_result", "error"):
                    outputs.append(json.dumps(msg["content"]))

            reply = kc.execute_interactive(code, output_hook=hook, timeout=900)
            assert reply["content"]["status"] == "ok", outputs[-3:]

        run(first_cell())
        after_first = log.read_text()
        run("let zahl = erstes_netz::ndarray::Array1::<f64>::ones(3).sum();")
        run("zahl * 2.0")
        run('println!("{zahl}");')
        if os.name == "posix":
            # Cargo takes the cells' rustc wrapper from the kernel's environment.
            run('println!("Wrapper: {:?}", std::env::var("CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER"));')
            # The build folder lies in the kernel's own folder, which goes with the kernel.
            run('println!("TMPDIR: {:?}", std::env::temp_dir());')
            # A cell calling the notebook's own function compiles into the folder of
            # that set of functions (cell_incremental.py), also after a cell without it.
            run("fn verdoppelt(x: f64) -> f64 { 2.0 * x }")
            # Compile errors reach the student also where the kernel's cargo starts rustc itself.
            shown = []
            error = kc.execute_interactive(
                'let falsch: f64 = "drei";', output_hook=lambda msg: shown.append(json.dumps(msg["content"])), timeout=900
            )["content"]
            run("verdoppelt(zahl)")
            run("zahl + 1.0")
            run("verdoppelt(zahl) + 1.0")
            run(":last_compile_dir")
        later = log.read_text()[len(after_first) :]
        # read before the kernel ends: its build folder goes with it
        last_dir = re.findall(r"(/[^\s\"\\]+)", outputs[-1]) if os.name == "posix" else []
        kernel_locks = [Path(d) / "Cargo.lock" for d in last_dir if (Path(d) / "Cargo.lock").is_file()]
        kernel_versions = lock_versions(kernel_locks[0]) if kernel_locks else set()
        indexes = [i for d in last_dir for i in Path(d).glob(f"target/*/debug/incremental-cells/{cell_incremental.INDEX}")]
        index = cell_incremental.read_index(str(indexes[0])) if indexes else {}
        used_folders = {k: list((indexes[0].parent / v["dir"]).glob("ctx-*")) for k, v in index.items()}
        # The last cell went without Cargo (cell_cargo.py): its library (renamed by evcxr) is newer than Cargo's
        # fingerprint of the cells' crate, which Cargo writes after each rustc it started.
        records = [Path(d) / "target" / cell_cargo.RECORD for d in last_dir if (Path(d) / "target" / cell_cargo.RECORD).is_file()]
        library = [p.stat().st_mtime_ns for d in last_dir for p in Path(d).glob("target/*/debug/deps/libcode_*.so")]
        fingerprint = [p.stat().st_mtime_ns for d in last_dir for p in Path(d).glob("target/*/debug/.fingerprint/ctx-*/lib-ctx")]
        huge_kb = anon_huge_pages_kb(km.provisioner.process.pid)  # start_kernel.py exec'd evcxr: same pid
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert "6.0" in "".join(outputs)
    if os.name == "posix" and "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER" not in os.environ:
        assert "cell-rustc.sh" in "".join(outputs), outputs[-2:]
        assert re.search(r"TMPDIR: .*/kernels/[^/]+/tmp", "".join(outputs)), outputs[-1]
        assert "\"7.0\"" in "".join(outputs[-3:]), outputs[-3:]
        assert indexes, f"kein incremental-cells/{cell_incremental.INDEX} im Build-Ordner: {outputs[-1]}"
        assert list(index) == ["verdoppelt"], index
        assert used_folders["verdoppelt"], "rustc hat den Ordner nicht benutzt"
        assert error["status"] == "error" and "mismatched types" in "".join(shown), shown
        assert records, f"kein {cell_cargo.RECORD} im Build-Ordner: {outputs[-1]}"
        assert library and fingerprint and max(library) > max(fingerprint), "die letzte Zelle lief durch Cargo"
        # The cells were built with the versions `make test` tests (the course's Cargo.lock).
        assert kernel_locks, f"kein Cargo.lock im Build-Ordner: {outputs[-1]}"
        untested = kernel_versions - lock_versions(ROOT / "Cargo.lock") - {("ctx", "1.0.0")}
        assert ("erstes_netz", "0.1.0") in kernel_versions and not untested, sorted(untested)
    rebuilt = re.findall(r"Compiling (\S+)", later)
    assert not rebuilt, f"Zellen nach der ersten übersetzen Crates neu: {sorted(set(rebuilt))}"
    if huge_kb is not None:
        # With mimalloc's default, rust-analyzer alone held about 450 MB of huge pages here.
        assert huge_kb < 64 * 1024, f"evcxr hält {huge_kb} KiB in großen Seiten (MIMALLOC_ALLOW_THP wirkt nicht)"


def lock_versions(path):
    """(name, version) of every package in a Cargo.lock."""
    import tomllib

    return {(p["name"], p["version"]) for p in tomllib.loads(path.read_text(encoding="utf-8"))["package"]}


def anon_huge_pages_kb(pid):
    """AnonHugePages of a Linux process in KiB (None elsewhere)."""
    try:
        text = open(f"/proc/{pid}/smaps_rollup").read()
    except OSError:
        return None
    return int(re.search(r"^AnonHugePages:\s+(\d+) kB", text, re.M).group(1))


def test_kernel_asks_evcxr_for_small_pages_and_keeps_the_users_choice(monkeypatch):
    base = Path(kernel_cache())
    monkeypatch.delenv("MIMALLOC_ALLOW_THP", raising=False)
    assert start_kernel.kernel_env(base, {}, base / "kernels")["MIMALLOC_ALLOW_THP"] == "0"
    monkeypatch.setenv("MIMALLOC_ALLOW_THP", "1")
    assert start_kernel.kernel_env(base, {}, base / "kernels")["MIMALLOC_ALLOW_THP"] == "1"


@pytest.mark.skipif(os.name != "posix", reason="der Wrapper ist ein Shell-Skript")
def test_cells_compile_without_thin_lto_through_the_wrapper(tmp_path, monkeypatch, capsys):
    script = start_kernel.cell_rustc(tmp_path)
    assert script == tmp_path / "cell-rustc.sh" and os.access(script, os.X_OK)
    # Cargo calls it as `wrapper rustc args…`; the cells' crate gets -C lto=off at the end.
    done = subprocess.run([script, "echo", "--crate-name", "ctx"], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["--crate-name", "ctx", "-C", "lto=off"]
    monkeypatch.delenv("CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER", raising=False)
    env = start_kernel.kernel_env(tmp_path, {}, tmp_path / "kernels", script)
    assert env["CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER"] == str(script)
    monkeypatch.setenv("CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER", "/opt/eigener-wrapper")
    assert start_kernel.kernel_env(tmp_path, {}, tmp_path / "kernels", script)["CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER"] == "/opt/eigener-wrapper"
    # A wrapper that cannot run (e.g. a folder mounted noexec) is left out, with a note.
    monkeypatch.setattr(start_kernel, "CELL_RUSTC", "#!/bin/sh\nexit 3\n")
    assert start_kernel.cell_rustc(tmp_path) is None
    assert "lässt sich nicht ausführen" in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix", reason="der Wrapper ist ein Shell-Skript")
def test_wrapper_puts_the_course_lock_into_a_build_folder_without_dependencies(tmp_path):
    seed = tmp_path / "quelle.lock"
    seed.write_text("# die Versionen des Kurses\n")
    script = start_kernel.cell_rustc(tmp_path, seed)
    crate = tmp_path / "ctx"
    crate.mkdir()
    toml = '[package]\nname = "ctx"\n\n[profile.dev]\nopt-level = 2\n\n[dependencies]\n{}\n'

    def compile_cell(deps):
        (crate / "Cargo.toml").write_text(toml.format(deps))
        (crate / "Cargo.lock").write_text("# von Cargo\n")
        subprocess.run([script, "true", "--crate-name", "ctx"], cwd=crate, check=True)
        return (crate / "Cargo.lock").read_text()

    # evcxr's start-up cell: no dependencies yet, so the course's lock takes the place.
    assert compile_cell("") == "# die Versionen des Kurses\n"
    # After a `:dep`, Cargo's own lock stays: it already holds what the cells use.
    assert compile_cell('erstes_netz = { path = "../x" }') == "# von Cargo\n"
    # Other crates (a dependency compiled through the wrapper) are not touched.
    (crate / "Cargo.toml").write_text(toml.format(""))
    subprocess.run([script, "true", "--crate-name", "ndarray"], cwd=crate, check=True)
    assert (crate / "Cargo.lock").read_text() == "# von Cargo\n"
    # Without a lock (ERSTES_NETZ_CARGO_LOCK=""), Cargo resolves as evcxr has it.
    script = start_kernel.cell_rustc(tmp_path, None)
    assert compile_cell("") == "# von Cargo\n"


def test_course_lock_is_the_one_beside_the_script_or_the_repositorys(tmp_path, monkeypatch):
    monkeypatch.delenv("ERSTES_NETZ_CARGO_LOCK", raising=False)
    assert start_kernel.course_lock() == ROOT / "Cargo.lock"  # run from the repository
    kernelspec = tmp_path / "share" / "jupyter" / "kernels" / "rust"
    kernelspec.mkdir(parents=True)
    assert start_kernel.course_lock(kernelspec) is None
    (kernelspec / "Cargo.lock").write_text("")
    assert start_kernel.course_lock(kernelspec) == kernelspec / "Cargo.lock"
    monkeypatch.setenv("ERSTES_NETZ_CARGO_LOCK", "")
    assert start_kernel.course_lock(kernelspec) is None
    spec = KernelSpecManager().get_kernel_spec("rust")  # installed by `make setup`
    installed = open(os.path.join(spec.resource_dir, "Cargo.lock"), "rb").read()
    assert installed == (ROOT / "Cargo.lock").read_bytes(), "der Kernel hat ein anderes Cargo.lock als das Projekt – `make setup` neu ausführen"


def test_course_crate_is_in_the_cache_with_its_source_hash():
    entries = [m.read_text() for m in (kernel_cache() / "store").glob("*/meta")]
    ours = [m for m in entries if "--crate-name\nerstes_netz\n" in m]
    assert ours, "die Kursbibliothek fehlt in evcxrs Cache – make setup wärmt ihn"
    assert all(re.search(r'erstes_netz_sources="[0-9a-f]{16}"', m) for m in ours)
    assert all("incremental=" not in m for m in ours)


def build_script_cfg(binary, crate_dir):
    done = subprocess.run([binary], cwd=crate_dir, capture_output=True, text=True, check=True)
    return re.search(r'erstes_netz_sources="([0-9a-f]{16})"', done.stdout).group(1)


def test_source_hash_changes_with_every_edit(tmp_path):
    binary = tmp_path / "build-script"
    subprocess.run(["rustc", "--edition=2024", "-o", binary, ROOT / "crates" / "erstes_netz" / "build.rs"], check=True)
    crate = tmp_path / "crate"
    shutil.copytree(ROOT / "crates" / "erstes_netz" / "src", crate / "src")
    original = build_script_cfg(binary, crate)
    assert build_script_cfg(binary, crate) == original  # same sources, same key

    lib = crate / "src" / "lib.rs"
    text = lib.read_text()
    lib.write_text(text + "\n// edited\n")
    edited = build_script_cfg(binary, crate)
    assert edited != original
    (crate / "src" / "neu.rs").write_text("")
    assert build_script_cfg(binary, crate) not in (original, edited)
    lib.write_text(text)
    (crate / "src" / "neu.rs").unlink()
    assert build_script_cfg(binary, crate) == original
