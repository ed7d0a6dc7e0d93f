"""rustc's incremental folder per set of the notebook's own functions (scripts/kernel/).

cell_functions.awk finds the notebook's functions a cell calls; cell_incremental.py
picks the folder; cell-rustc.sh (written by start_kernel.py) hands it to rustc.

Cells that call the same functions share a folder, so rustc finds their code
from the last such cell instead of compiling it again; a new set starts from
a copy of the folder that overlaps it most; at most MAX_FOLDERS are kept.
The real kernel's use of it is checked in test_kernel_profile.py.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

KERNEL = ROOT / "scripts" / "kernel"
sys.path.insert(0, str(KERNEL))
import cell_incremental  # noqa: E402
import start_kernel  # noqa: E402

# The shape evcxr gives src/lib.rs: the notebook's items, its runtime module, then the cell.
LIB_RS = """#![allow(unused_imports, unused_mut, dead_code)]
use erstes_netz::matmul;
/// Sigmoid
fn sigmoid(z: &Array2<f64>) -> Array2<f64> {
    z.mapv(|v| 1.0 / (1.0 + (-v).exp()))
}
fn forward_pass(w: &Weights, b: &Biases, x: &Array2<f64>) -> Array2<f64> {
    sigmoid(&(matmul(x, &w[0].t()) + &b[0]))
}
pub fn calc_loss(y_hat: &Array2<f64>, y: &Array2<f64>) -> f64 {
    -(y_hat.mapv(f64::ln) * y).sum()
}
mod evcxr_internal_runtime {
pub fn create_variable_store() -> *mut VariableStore {
    Box::into_raw(Box::new(VariableStore::new()))
}
}
#[unsafe(no_mangle)]
pub extern "C" fn run_user_code_7(
mut evcxr_variable_store: *mut evcxr_internal_runtime::VariableStore)
  -> *mut evcxr_internal_runtime::VariableStore {
if evcxr_variable_store.is_null() {
  evcxr_variable_store = evcxr_internal_runtime::create_variable_store();
}
CELL
evcxr_variable_store
}
"""


def rustc_args(tmp_path, cell, crate="ctx"):
    src = tmp_path / "src" / "lib.rs"
    src.parent.mkdir(exist_ok=True)
    src.write_text(LIB_RS.replace("CELL", cell), encoding="utf-8")
    incremental = tmp_path / "target" / "debug" / "incremental"
    return ["--crate-name", crate, "--edition=2024", str(src), "-C", "opt-level=2", "-C", f"incremental={incremental}"]


def called(tmp_path, cell):
    src = tmp_path / "lib.rs"
    src.write_text(LIB_RS.replace("CELL", cell), encoding="utf-8")
    done = subprocess.run(["awk", "-f", str(KERNEL / "cell_functions.awk"), str(src)], capture_output=True, text=True, check=True)
    return sorted(done.stdout.split())


@pytest.mark.skipif(shutil.which("awk") is None, reason="kein awk")
def test_the_functions_a_cell_calls_are_found_and_nothing_else(tmp_path):
    assert called(tmp_path, "let y = forward_pass(&w, &b, &x);") == ["forward_pass"]
    assert called(tmp_path, "calc_loss(&forward_pass(&w, &b, &x), &y)") == ["calc_loss", "forward_pass"]
    # evcxr's own functions and names that only contain a function's name do not count
    assert called(tmp_path, "let sigmoid_x = 1;") == []
    # other ways to define a function; a cell before any variable (no runtime module)
    items = "pub(crate) fn eins() -> u8 { 1 }\npub async fn zwei() {}\nconst unsafe fn drei() {}\n"
    cell = 'pub extern "C" fn run_user_code_1(\n) {\neins(); zwei(); drei();\n}\n'
    (tmp_path / "lib.rs").write_text(items + cell, encoding="utf-8")
    found = subprocess.run(["awk", "-f", str(KERNEL / "cell_functions.awk"), str(tmp_path / "lib.rs")], capture_output=True, text=True)
    assert sorted(found.stdout.split()) == ["drei", "eins", "zwei"]
    (tmp_path / "lib.rs").write_text("fn forward_pass() {}\n", encoding="utf-8")  # no cell: nothing to go by
    assert subprocess.run(["awk", "-f", str(KERNEL / "cell_functions.awk"), str(tmp_path / "lib.rs")], capture_output=True, text=True).stdout == ""


def test_cells_with_the_same_functions_share_a_folder(tmp_path):
    incremental = str(tmp_path / "incremental")
    first = cell_incremental.choose(incremental, ["forward_pass"], now=1)
    base = tmp_path / "incremental-cells"
    assert Path(first).parent == base and Path(first).is_dir()
    (Path(first) / "ctx-abc").mkdir()  # what rustc leaves there
    assert cell_incremental.choose(incremental, [], now=2) is None  # Cargo's folder
    assert cell_incremental.choose("", ["forward_pass"]) is None
    assert cell_incremental.choose(incremental, ["forward_pass", "forward_pass"], now=3) == first
    # a new set starts from a copy of the folder that overlaps it most
    second = cell_incremental.choose(incremental, ["forward_pass", "calc_loss"], now=4)
    assert second != first and (Path(second) / "ctx-abc").is_dir() and (Path(first) / "ctx-abc").is_dir()
    # a cell without own functions after one with them: Cargo's folder gets that state
    (tmp_path / "incremental" / "ctx-def").mkdir(parents=True)
    (tmp_path / "incremental" / "erstes_netz-ghi").mkdir()
    (Path(second) / "ctx-abc" / "s-1").mkdir()
    assert cell_incremental.choose(incremental, [], now=5) is None
    assert sorted(p.name for p in (tmp_path / "incremental").iterdir()) == ["ctx-abc", "erstes_netz-ghi"]
    assert (tmp_path / "incremental" / "ctx-abc" / "s-1").is_dir() and (Path(second) / "ctx-abc" / "s-1").is_dir()
    (tmp_path / "incremental" / "ctx-abc" / "s-2").mkdir()  # what the cell's rustc adds
    assert cell_incremental.choose(incremental, [], now=6) is None  # the one after: nothing to bring
    assert (tmp_path / "incremental" / "ctx-abc" / "s-2").is_dir()
    # no overlap: a copy of the cells' crate in the newest state, not of other crates
    third = cell_incremental.choose(incremental, ["sigmoid"], now=7)
    assert sorted(p.name for p in Path(third).iterdir()) == ["ctx-abc"]
    assert (Path(third) / "ctx-abc" / "s-2").is_dir()
    index = cell_incremental.read_index(str(base / cell_incremental.INDEX))
    assert set(index) == {"forward_pass", "calc_loss forward_pass", "sigmoid"}
    assert {v["dir"] for v in index.values()} == {"f1", "f2", "f3"} and index["sigmoid"]["used"] == 7


def test_at_most_max_folders_are_kept_the_least_recently_used_goes(tmp_path, monkeypatch):
    monkeypatch.setattr(cell_incremental, "MAX_FOLDERS", 2)
    incremental = str(tmp_path / "incremental")
    a = cell_incremental.choose(incremental, ["sigmoid"], now=1)
    b = cell_incremental.choose(incremental, ["calc_loss"], now=2)
    assert cell_incremental.choose(incremental, ["sigmoid"], now=3) == a
    c = cell_incremental.choose(incremental, ["forward_pass"], now=4)
    assert not Path(b).exists() and Path(a).is_dir() and Path(c).is_dir()
    index = cell_incremental.read_index(str(tmp_path / "incremental-cells" / cell_incremental.INDEX))
    assert sorted(index) == ["forward_pass", "sigmoid"]


def test_a_broken_index_starts_afresh_and_the_script_stays_silent(tmp_path, capsys):
    base = tmp_path / "incremental-cells"
    base.mkdir()
    (base / cell_incremental.INDEX).write_text("1.5\tf7\tsigmoid\n2\tf1\n")  # a line cut short
    assert Path(cell_incremental.choose(str(tmp_path / "incremental"), ["sigmoid"])).name == "f1"
    (tmp_path / "datei").write_text("")
    cell_incremental.main([str(tmp_path / "datei" / "incremental"), "sigmoid"])  # cannot create the folder
    cell_incremental.main([])
    assert capsys.readouterr() == ("", "")


def test_a_failed_copy_leaves_no_half_state_in_cargos_folder(tmp_path, monkeypatch):
    incremental = tmp_path / "incremental"
    (incremental / "ctx-alt" / "s-1").mkdir(parents=True)
    folder = Path(cell_incremental.choose(str(incremental), ["sigmoid"]))
    # the folder of the last cell has gone: Cargo's state stays as it was
    (folder.parent / "last").write_text(str(tmp_path / "weg"))
    with pytest.raises(FileNotFoundError):
        cell_incremental.choose(str(incremental), [])
    assert (incremental / "ctx-alt" / "s-1").is_dir()
    # a copy that fails half-way: no state of the cells' crate at all, rather than half of one
    for crate in ["ctx-a", "ctx-b"]:
        (folder / crate / "s-1").mkdir(parents=True)
        (folder / crate / "s-1" / "cgu.o").write_bytes(b"object")
    (folder.parent / "last").write_text(str(folder))
    real_replace, calls = os.replace, []

    def failing_replace(a, b):
        calls.append(b)
        if len(calls) == 2:
            raise OSError("Platte voll")
        real_replace(a, b)

    monkeypatch.setattr(cell_incremental.os, "replace", failing_replace)
    with pytest.raises(OSError):
        cell_incremental.choose(str(incremental), [])
    assert sorted(p.name for p in incremental.iterdir()) == []
    monkeypatch.setattr(cell_incremental.os, "replace", real_replace)
    (folder.parent / "last").write_text(str(folder))
    assert cell_incremental.choose(str(incremental), []) is None
    assert sorted(p.name for p in incremental.iterdir()) == sorted(p.name for p in folder.iterdir())
    assert (incremental / "ctx-a" / "s-1" / "cgu.o").read_bytes() == b"object"


@pytest.mark.skipif(os.name != "posix", reason="der Wrapper ist ein Shell-Skript")
def test_the_wrapper_hands_rustc_the_chosen_folder_and_lto_off(tmp_path):
    script = start_kernel.cell_rustc(tmp_path)
    for helper in start_kernel.HELPERS:
        assert (tmp_path / helper).read_bytes() == (KERNEL / helper).read_bytes()
    show = [sys.executable, "-c", "import sys; print(sys.argv[1:])"]
    args = rustc_args(tmp_path, "forward_pass(&w, &b, &x)") + ["--cfg", 'feature="a b"', "--cfg", "x=\n*"]
    done = subprocess.run([script, *show, *args], capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
    chosen = tmp_path / "target" / "debug" / "incremental-cells" / "f1"
    expected = [f"incremental={chosen}" if a.startswith("incremental=") else a for a in args]
    assert done.stdout.strip() == str([*expected, "-C", "lto=off"])
    # a cell without the notebook's functions, another crate, and arguments with spaces pass unchanged
    for cell, crate in [("1 + 1", "ctx"), ("forward_pass(&w, &b, &x)", "erstes_netz")]:
        args = rustc_args(tmp_path, cell, crate) + ["--cfg", 'feature="a b"']
        done = subprocess.run([script, *show, *args], capture_output=True, text=True, check=True)
        assert done.stdout.strip() == str([*args, "-C", "lto=off"])
    # without the chooser, then without both helpers (a kernelspec from before them), the
    # wrapper still runs, silently, with Cargo's folder
    args = rustc_args(tmp_path, "forward_pass(&w, &b, &x)")
    for helper in ["cell_incremental.py", "cell_functions.awk"]:
        (tmp_path / helper).unlink()
        (chosen.parent / "last").write_text(str(chosen))
        done = subprocess.run([script, "echo", *args], capture_output=True, text=True, check=True)
        assert done.stdout.split() == [*args, "-C", "lto=off"] and done.stderr == ""


@pytest.mark.parametrize(
    "text",
    [
        "1\t..\tsigmoid\n",  # a folder that is not one of ours: it would be deleted when its set goes
        "1\tf1/../..\tsigmoid\n",
        "1\tf\u00b2\tsigmoid\n",
        "1\tf1\tsigmoid\n2\tf1\tcalc_loss\n",  # two sets in one folder
        "1\tf1\tsigmoid calc_loss\n",  # names not as choose writes them
        "eins\tf1\tsigmoid\n",
    ],
)
def test_an_index_that_choose_did_not_write_is_not_trusted(tmp_path, monkeypatch, text):
    monkeypatch.setattr(cell_incremental, "MAX_FOLDERS", 1)  # every new set evicts the oldest
    base = tmp_path / "incremental-cells"
    base.mkdir()
    (base / cell_incremental.INDEX).write_text(text)
    assert cell_incremental.read_index(str(base / cell_incremental.INDEX)) == {}
    outside = tmp_path / "draussen"
    outside.mkdir()
    for name in ["calc_loss", "forward_pass", "sigmoid", "softmax"]:
        cell_incremental.choose(str(tmp_path / "incremental"), [name])
    assert outside.is_dir() and base.is_dir()


def test_the_index_lists_each_set_with_its_folder_and_last_use(tmp_path):
    incremental = str(tmp_path / "incremental")
    cell_incremental.choose(incremental, ["sigmoid"], now=1.25)
    cell_incremental.choose(incremental, ["sigmoid", "calc_loss"], now=2)
    text = (tmp_path / "incremental-cells" / cell_incremental.INDEX).read_text()
    assert sorted(text.splitlines()) == ["1.25\tf1\tsigmoid", "2\tf2\tcalc_loss sigmoid"]
