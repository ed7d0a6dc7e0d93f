"""The kernel's compile cache (scripts/kernel/start_kernel.py): every kernel has
its own view of the store, so that kernels running at once never write what
another one reads.

evcxr's own :cache is not safe for that: on every hit it rewrites the entry's
`hits` file in place, and a kernel reading it in between finds it empty and
stops the build ("cannot parse integer from empty string"). The tests below
first reproduce that with evcxr itself, then show that the course's launcher
is immune to it, that two kernels of one user work at once, and that what a
kernel compiles reaches the store for the next kernel - whole or not at all.
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts" / "kernel"))
import start_kernel  # noqa: E402

ARTIFACT = '{{"artifact":"/tmp/.tmpX/target/debug/deps/{}","emit":"link"}}\n'


def make_entry(folder, key, files=("liba.rlib", "liba.rmeta"), dep_inputs=(), finished=True):
    """A cache entry as evcxr writes it (meta, hits, artifacts, stderr last)."""
    entry = folder / key
    entry.mkdir(parents=True)
    (entry / "meta").write_text("--crate-name\na\n")
    (entry / "hits").write_text("3")
    for f in files:
        (entry / f).write_bytes(b"x" * 10)
    if dep_inputs:
        (entry / "a.d").write_text("/t/liba.rlib: " + " ".join(map(str, dep_inputs)) + "\n")
    if finished:
        (entry / "stderr").write_text("".join(ARTIFACT.format(f) for f in files))
    return entry


def test_a_view_links_every_finished_entry_with_hits_of_its_own(tmp_path):
    store = tmp_path / "base" / "store"
    make_entry(store, "1")
    make_entry(store, "2", finished=False)  # still being written: not offered
    make_entry(store, "3", dep_inputs=[tmp_path / "gone.rs"])  # names a vanished file: not offered
    (store / "1" / "hits").write_text("")  # as another kernel leaves it mid-rewrite

    view, lock = start_kernel.open_view(tmp_path / "base", [store])
    try:
        entries = sorted(p.name for p in (view / "evcxr").iterdir())
        assert entries == ["1"]
        linked = view / "evcxr" / "1"
        assert (linked / "hits").read_text() == "0" and not (linked / "hits").is_symlink()
        assert all((linked / f).is_symlink() for f in ["meta", "stderr", "liba.rlib", "liba.rmeta"])
        assert (linked / "liba.rlib").read_bytes() == b"x" * 10
        assert not view.name.startswith(".")
    finally:
        lock.release()


def test_shared_stores_fill_what_the_own_store_lacks(tmp_path):
    own, shared = tmp_path / "base" / "store", tmp_path / "geteilt"
    make_entry(own, "1", files=("libown.rlib",))
    make_entry(shared, "1", files=("libshared.rlib",))
    make_entry(shared, "2")
    view, lock = start_kernel.open_view(tmp_path / "base", [own, shared])
    lock.release()
    assert (view / "evcxr" / "1" / "libown.rlib").exists() and not (view / "evcxr" / "1" / "libshared.rlib").exists()
    assert os.readlink(view / "evcxr" / "2" / "liba.rlib") == str(shared / "2" / "liba.rlib")


def folders_left(kernels, timeout=30):
    """The folders in kernels/ once harvest's background removal is done (it gets `timeout` s)."""
    deadline = time.time() + timeout
    while any(p.name.startswith(".weg-") for p in kernels.iterdir()) and time.time() < deadline:
        time.sleep(0.05)
    return sorted(p.name for p in kernels.iterdir())


def test_harvest_moves_new_finished_entries_of_ended_kernels_only(tmp_path):
    base = tmp_path / "base"
    make_entry(base / "store", "alt")
    running, running_lock = start_kernel.open_view(base, [base / "store"])
    ended, ended_lock = start_kernel.open_view(base, [base / "store"])
    make_entry(running / "evcxr", "neu-laufend")
    make_entry(ended / "evcxr", "neu")
    make_entry(ended / "evcxr", "halb", finished=False)
    (ended / "tmp" / ".tmpAbC" / "target").mkdir(parents=True)  # the build folder of a killed kernel
    (ended / "tmp" / ".tmpAbC" / "target" / "libctx.so").write_bytes(b"x" * 1000)
    ended_lock.release()  # this kernel has ended

    assert start_kernel.harvest(base) == 1
    assert sorted(p.name for p in (base / "store").iterdir()) == ["alt", "neu"]
    assert not (base / "store" / "neu" / "liba.rlib").is_symlink()
    assert not ended.exists(), "the folder of an ended kernel is removed"
    # ... in a process of its own, with the build folder in it
    assert folders_left(base / "kernels") == [running.name]
    assert (running / "evcxr" / "neu-laufend").is_dir(), "a running kernel keeps its folder"
    assert not (base / "store" / "alt" / "liba.rlib").is_symlink()  # the store's own entry untouched

    running_lock.release()
    assert start_kernel.harvest(base) == 1
    assert (base / "store" / "neu-laufend").is_dir() and not running.exists()


def test_build_folders_of_the_old_layout_go_after_two_days(tmp_path):
    tmp = tmp_path / "tmp"
    old, busy, new = (tmp / n for n in (".tmpAlt", ".tmpBusy", ".tmpNeu"))
    for d in (old, busy, new):
        (d / "src").mkdir(parents=True)
        (d / "src" / "lib.rs").write_text("// Zelle")
    (tmp / ".tmpLeer").mkdir()  # a kernel that has just started: no cell compiled yet
    (tmp / "erstes-netz-fortschritt-1.txt").write_text("x")
    three_days_ago = time.time() - 3 * 86400
    for path in (old / "src" / "lib.rs", old, busy):  # busy: a cell compiled there just now
        os.utime(path, (three_days_ago, three_days_ago))
    start_kernel.remove_abandoned_build_dirs(tmp)
    assert sorted(p.name for p in tmp.iterdir()) == [".tmpBusy", ".tmpLeer", ".tmpNeu", "erstes-netz-fortschritt-1.txt"]


def test_harvest_takes_over_the_cache_of_the_old_launcher(tmp_path):
    base = tmp_path / "base"
    make_entry(base / "evcxr", "1")
    make_entry(base / "evcxr", "2", finished=False)
    assert start_kernel.harvest(base) == 1
    assert [p.name for p in (base / "store").iterdir()] == ["1"] and not (base / "evcxr").exists()


def test_stale_entries_are_unfinished_or_name_missing_files(tmp_path):
    source = tmp_path / "src dir" / "lib.rs"
    source.parent.mkdir()
    source.write_text("")
    kept = make_entry(tmp_path / "store", "1", dep_inputs=[str(source).replace(" ", "\\ ")])
    (kept / "a.d").write_text((kept / "a.d").read_text() + f"\n{str(source).replace(' ', chr(92) + ' ')}:\n# env-dep:OUT_DIR=/old\n")
    stale = make_entry(tmp_path / "store", "2", dep_inputs=[tmp_path / "gone" / "private.rs"])
    unfinished = make_entry(tmp_path / "store", "3", finished=False)
    assert start_kernel.dep_info_inputs(kept / "a.d") == [source, source]
    assert start_kernel.stale_entries(tmp_path / "store") == [stale, unfinished]


def test_a_stale_entry_goes_alone_only_if_nothing_was_compiled_against_it(tmp_path):
    store = tmp_path / "store"
    gone = [tmp_path / "deleted clone" / "lib.rs"]
    make_entry(store, "dep", files=("libdep-1.rlib", "libdep-1.rmeta"))
    user = make_entry(store, "user", files=("libuser-2.rlib",))
    (user / "meta").write_text("--crate-name\nuser\n--extern\ndep=/tmp/.tmpA/target/debug/deps/libdep-1.rlib\n")
    course = make_entry(store, "course", files=("liberstes_netz-9.rlib", "liberstes_netz-9.rmeta"), dep_inputs=gone)
    stale = start_kernel.stale_entries(store)
    assert stale == [course]
    assert start_kernel.removable_alone(store, stale) == [course]
    # a stale library that a kept entry names: the store has to be rebuilt
    base = make_entry(store, "base", files=("libbase-3.rlib",), dep_inputs=gone)
    top = make_entry(store, "top", files=("libtop-4.rlib",))
    (top / "meta").write_text("--extern\nbase=/tmp/.tmpB/target/debug/deps/libbase-3.rlib\n")
    stale = start_kernel.stale_entries(store)
    assert stale == [base, course]
    assert start_kernel.removable_alone(store, stale) == [course]
    # stale entries compiled against each other go together
    shutil.rmtree(top)
    broken = make_entry(store, "broken", files=("libbroken-5.rlib",), finished=False)
    (broken / "meta").write_text("--extern\nbase=/x/libbase-3.rlib\n")
    stale = start_kernel.stale_entries(store)
    assert start_kernel.removable_alone(store, stale) == stale == [base, broken, course]


def test_the_profile_is_replaced_whole_never_half_written(tmp_path):
    source, target = tmp_path / "a.toml", tmp_path / "b.toml"
    source.write_text("x = 1\n")
    target.write_text("x = 0\n")
    inode = target.stat().st_ino
    start_kernel.copy_if_changed(source, target)
    assert target.read_text() == "x = 1\n" and target.stat().st_ino != inode  # a new file, renamed into place
    start_kernel.copy_if_changed(source, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.toml", "b.toml"]


# ---- with the real kernel ---------------------------------------------------------------

evcxr = shutil.which("evcxr_jupyter")
needs_kernel = pytest.mark.skipif(evcxr is None, reason="evcxr_jupyter fehlt – `make setup` installiert es")


@pytest.fixture(scope="module")
def warm_store(tmp_path_factory):
    """A copy of the warm store of `make setup`, with every hits file empty, as a
    kernel rewriting them leaves them for a moment."""
    store = start_kernel.kernel_base() / "store"
    if not any(store.glob("*/stderr")):
        pytest.skip("der Übersetzungs-Cache ist leer – `make setup` füllt ihn")
    stale = start_kernel.stale_entries(store)
    if stale:
        # e.g. builds of a deleted clone: the tests below would blame the kernel for them
        pytest.fail(
            f"Der Übersetzungs-Cache {store} hat veraltete Einträge ({len(stale)}, etwa aus einem "
            "gelöschten Klon) – `make setup` baut ihn neu auf"
        )
    copy = tmp_path_factory.mktemp("cache") / "store"
    shutil.copytree(store, copy, symlinks=True)
    for hits in copy.glob("*/hits"):
        hits.write_text("")
    return copy


def base_with_store(tmp_path, warm_store):
    """A kernel base folder whose store is a copy of the warm store, hits files intact."""
    base = tmp_path / "base"
    shutil.copytree(warm_store, base / "store", symlinks=True)
    for hits in (base / "store").glob("*/hits"):
        hits.write_text("0")
    return base


def at_once(kernels, work):
    """Runs work(i, kernel) for every kernel in a thread of its own, then stops the kernels."""
    try:
        threads = [threading.Thread(target=work, args=(i, k)) for i, k in enumerate(kernels)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
    finally:
        for k in kernels:
            k.stop()


def kernel_with(tmp_path, env, kernel_name="rust", spec_dirs=None):
    from test_kernel_faults import Kernel

    return Kernel(tmp_path, kernel_name=kernel_name, env=env, spec_dirs=spec_dirs)


@needs_kernel
def test_evcxr_alone_fails_on_a_hits_file_another_kernel_is_rewriting(tmp_path, warm_store):
    """The fault, reproduced: evcxr's cache used directly, as the old launcher did."""
    from test_kernel_faults import SETUP

    cache_home = tmp_path / "xdg"
    (cache_home / "tmp").mkdir(parents=True)
    shutil.copytree(warm_store, cache_home / "evcxr", symlinks=True)
    # The course profile, as the warm store was compiled with it (else no key matches).
    (cache_home / ".cargo").mkdir()
    shutil.copy(ROOT / "scripts" / "kernel" / "cargo-config.toml", cache_home / ".cargo" / "config.toml")
    spec = tmp_path / "kernels" / "rust-direkt"
    spec.mkdir(parents=True)
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home), TMPDIR=str(cache_home / "tmp"))
    libdir = subprocess.run(["rustc", "--print", "target-libdir"], capture_output=True, text=True).stdout.strip()
    env["LD_LIBRARY_PATH"] = libdir
    (spec / "kernel.json").write_text(
        json.dumps({"argv": [evcxr, "--control_file", "{connection_file}"], "display_name": "x", "language": "rust"})
    )
    kernel = kernel_with(tmp_path, env, kernel_name="rust-direkt", spec_dirs=[str(tmp_path / "kernels")])
    try:
        out, err = kernel.run(SETUP)
    finally:
        kernel.stop()
    assert "cannot parse integer from empty string" in out + err


@needs_kernel
def test_the_course_kernel_is_immune_and_leaves_the_store_as_it_was(tmp_path, warm_store):
    from test_kernel_faults import SETUP

    base = tmp_path / "base"
    shutil.copytree(warm_store, base / "store", symlinks=True)
    before = {p: p.read_bytes() for p in (base / "store").rglob("*") if p.is_file()}
    kernel = kernel_with(tmp_path, dict(os.environ, ERSTES_NETZ_KERNEL_CACHE=str(base)))
    try:
        out, err = kernel.run(SETUP)
        assert not err, out + err
        out, err = kernel.run('println!("{}", erstes_netz::one_hot(&array![2usize, 0]).sum());')
        assert not err and out.strip() == "2", out + err
    finally:
        kernel.stop()
    after = {p: p.read_bytes() for p in (base / "store").rglob("*") if p.is_file()}
    assert after == before, "the store is read, never written, by a running kernel"


@needs_kernel
def test_two_kernels_of_one_user_at_once(tmp_path, warm_store):
    """A student with lesson 1 and lesson 2 open: both first cells compile at the
    same moment against the same store, and both kernels work."""
    from test_kernel_faults import SETUP

    base = base_with_store(tmp_path, warm_store)
    env = dict(os.environ, ERSTES_NETZ_KERNEL_CACHE=str(base))
    kernels = [kernel_with(tmp_path, env) for _ in range(2)]
    results = [None, None]

    def first_cells(i, kernel):
        results[i] = [kernel.run(SETUP), kernel.run(f"let x{i} = {i} + 40; x{i} + 2")]

    at_once(kernels, first_cells)
    for i, result in enumerate(results):
        assert result is not None, f"Kernel {i} antwortet nicht"
        (setup_out, setup_err), (out, err) = result
        assert not setup_err and not err, setup_out + setup_err + out + err
        assert str(42 + i) in out
    start_kernel.harvest(base)
    assert not folders_left(base / "kernels"), "ended kernels leave no folder behind"
    assert not start_kernel.stale_entries(base / "store")


@needs_kernel
def test_a_fixed_build_folder_belongs_to_one_kernel_only(tmp_path, warm_store):
    """Two kernels given the same EVCXR_TMPDIR would overwrite each other's generated
    source; the second one gets a folder of its own, and both compile their own cells."""
    base = base_with_store(tmp_path, warm_store)
    env = dict(os.environ, ERSTES_NETZ_KERNEL_CACHE=str(base), EVCXR_TMPDIR=str(tmp_path / "fest"))
    kernels = [kernel_with(tmp_path, env) for _ in range(2)]
    seen = []
    for i, kernel in enumerate(kernels):
        code = f'struct Nur{i}<\'a>(&\'a str); let n{i} = Nur{i}("k{i}"); println!("{{}} {{}}", n{i}.0, std::env::var("EVCXR_TMPDIR").is_ok());'
        seen.append(kernel.run(code))
    at_once(kernels, lambda i, kernel: seen.append(kernel.run(f'println!("{{}}", n{i}.0);')))
    outs = sorted(out.strip() for out, _ in seen)
    assert outs == ["k0", "k0 true", "k1", "k1 false"], seen
