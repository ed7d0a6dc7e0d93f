"""Kernel faults as a student meets them, with the real Rust kernel (evcxr):

- a cell that panics (a blank, a failed assert) loses only its own work;
  variables from earlier cells are still there;
- after a kernel restart every variable is gone, but weights saved with
  `save_weights` bring the network back exactly: training goes on from there.

The README section „Wenn etwas schiefgeht“ describes the same steps.
"""

import os
import queue
import shutil

import pytest
from jupyter_client.manager import KernelManager

from conftest import ROOT, kernel_output

CRATE = ROOT / "crates" / "erstes_netz"

SETUP = f"""\
:cache 2000
:build_env CARGO_PROFILE_DEV_DEBUG_ASSERTIONS=false
:build_env CARGO_PROFILE_DEV_OVERFLOW_CHECKS=false
:dep erstes_netz = {{ path = "{CRATE}", default-features = false }}
use erstes_netz::ndarray::prelude::*;
use erstes_netz::*;
erstes_netz::notebook::setup();
"""

DATA = """\
let data = load_data()?;
let train_images = min_max(&data.train_images.slice(s![..2000, ..]));
let train_targets = one_hot(&data.train_labels.slice(s![..2000]));
let train_labels = data.train_labels.slice(s![..2000]).to_owned();
"""

pytestmark = pytest.mark.skipif(
    shutil.which("evcxr_jupyter") is None, reason="evcxr_jupyter fehlt – `make setup` installiert es"
)


class Kernel:
    """A running Rust kernel; `run` returns (all text output, error outputs)."""

    def __init__(self, cwd, kernel_name="rust", env=None, spec_dirs=None):
        from jupyter_client.kernelspec import KernelSpecManager

        specs = KernelSpecManager(kernel_dirs=spec_dirs) if spec_dirs else KernelSpecManager()
        self.km = KernelManager(kernel_name=kernel_name, kernel_spec_manager=specs)
        self.km.start_kernel(cwd=str(cwd), env=dict(env or os.environ, RUST_BACKTRACE="0"))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def run(self, code, timeout=600):
        texts, errors = [], []

        def hook(msg):
            text, error = kernel_output(msg)
            texts.append(text)
            if error:
                errors.append(error)

        self.kc.execute_interactive(code, output_hook=hook, timeout=timeout)
        # evcxr forwards the child's output from another thread: on a loaded
        # machine a line can arrive after the cell reported idle (seen once in CI).
        while True:
            try:
                hook(self.kc.get_iopub_msg(timeout=1))
            except queue.Empty:
                break
        return "".join(texts), "\n".join(errors)

    def restart(self):
        self.km.restart_kernel(now=True)
        self.kc.wait_for_ready(timeout=120)

    def stop(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One student session: train, panic, save, restart, load."""
    kernel = Kernel(tmp_path_factory.mktemp("sitzung"))
    seen = {}
    try:
        for name, code in [
            ("setup", SETUP),
            ("data", DATA),
            (
                "train",
                """\
let (mut w, mut b) = init_weights(784, 50, 10, &mut NumpyRng::seed(7));
for _ in 0..3 {
    let (w_neu, b_neu, _, _) = train_epoch(w, b, &train_images, &train_targets, &train_labels, 0.5);
    w = w_neu;
    b = b_neu;
}
let (_, acc_vorher) = evaluate(&w, &b, &train_images, &train_targets, &train_labels);
println!("vorher {acc_vorher:.12}");
""",
            ),
            ("panic", 'let z_1: Array2<f64> = { todo!("z_1 = W[0] · Xᵀ + b[0]") };\n'),
            ("index_panic", "let v = vec![1.0, 2.0];\nlet x = v[3];\n"),
            (
                "check_panic",
                """\
fn my_update(w: Weights, b: Biases, gw: &Weights, _gb: &Biases, lr: f64) -> (Weights, Biases) {
    let _w_0 = &w[0] - &(lr * &gw[1]);
    (w, b)
}
check::update(my_update);
""",
            ),
            ("after_panic", 'println!("w[0] hat die Form {:?}, acc_vorher {acc_vorher:.12}", w[0].shape());\n'),
            ("save", 'save_weights("gewichte.npz", &w, &b)?;\nprintln!("gespeichert");\n'),
        ]:
            seen[name] = kernel.run(code)
        kernel.restart()
        seen["after_restart"] = kernel.run('println!("{:?}", w[0].shape());\n')
        seen["setup2"] = kernel.run(SETUP)
        seen["data2"] = kernel.run(DATA)
        seen["load"] = kernel.run(
            """\
let (w, b) = load_weights("gewichte.npz")?;
let (_, acc_geladen) = evaluate(&w, &b, &train_images, &train_targets, &train_labels);
println!("geladen {acc_geladen:.12}");
let (w, b, _, _) = train_epoch(w, b, &train_images, &train_targets, &train_labels, 0.5);
let (_, acc_weiter) = evaluate(&w, &b, &train_images, &train_targets, &train_labels);
println!("weiter {acc_weiter:.12}");
"""
        )
    finally:
        kernel.stop()
    return seen


def number(text, label):
    for line in text.splitlines():
        if line.startswith(label + " "):
            return float(line.split()[1])
    raise AssertionError(f"keine Zeile „{label} …“ in:\n{text}")


def test_setup_and_training_run_clean(session):
    for name in ("setup", "data", "train", "save", "setup2", "data2", "load"):
        text, errors = session[name]
        assert not errors and "panicked" not in text, f"{name}: {text}\n{errors}"
    assert 0.2 < number(session["train"][0], "vorher") < 1.0  # trained: far above chance (0.1)


def test_a_panicking_cell_shows_its_hint_in_german(session):
    text, errors = session["panic"]
    assert "z_1 = W[0] · Xᵀ + b[0]" in text, text
    assert "✏️ Hier ist noch eine Lücke offen" in text, text
    assert "stack backtrace" not in text, text


def test_a_panic_names_the_students_line_in_german(session):
    """The runtime's English message never stands alone, and the line of the
    cell that panicked is quoted (its number in evcxr's file would mean nothing)."""
    text, _ = session["index_panic"]
    assert (
        "❌ Die Zelle wurde in der Zeile `let x = v[3];` abgebrochen: "
        "Index außerhalb der Grenzen: Index 3, aber es gibt nur 2 Einträge"
    ) in text, text
    assert "panicked at" in text, "tools that scan outputs for panics still find them"
    text, errors = session["check_panic"]
    assert "❌ update: Ihre Funktion ist in der Zeile `let _w_0 = &w[0] - &(lr * &gw[1]);` abgebrochen" in text, (
        text,
        errors,
    )
    assert "für + − * / nicht zusammenpassen" in text, (text, errors)


def test_variables_from_earlier_cells_survive_a_panic(session):
    text, errors = session["after_panic"]
    assert not errors, errors
    assert "w[0] hat die Form [50, 784]" in text, text
    assert number(session["train"][0], "vorher") == float(text.split("acc_vorher ")[1].split()[0])


def test_after_a_restart_variables_are_gone(session):
    text, errors = session["after_restart"]
    assert "cannot find value `w`" in errors, (text, errors)


def test_saved_weights_continue_training_after_a_restart(session):
    before = number(session["train"][0], "vorher")
    text = session["load"][0]
    assert number(text, "geladen") == before  # bit for bit the same network
    assert number(text, "weiter") > before  # a fourth epoch, not a fresh start
