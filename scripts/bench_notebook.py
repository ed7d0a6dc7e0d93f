#!/usr/bin/env python3
"""`make bench-notebook`: how long a student waits in the Rust lesson, against the Python original.

Measures in one run, one thing after another, on the bundled 8,000/2,000 digits:

  1. the start of a new kernel (until it answers) and the first cell of lesson 1 in it
     (warm caches, as after `make kurs`), in --kernels fresh kernels: medians;
  2. trivial cells (`1 + 1`, `println!`, a small `let`, …) after that first cell, in
     each of those kernels: median, minimum, maximum; and the ordinary cells of
     lesson 1 as they run in part 3 (all but the first two and the training loops),
     which carry the lesson's variables;
  3. the whole lesson-1 solution notebook headless (nbclient, as `make test` runs it),
     against the original Python lesson (scripts/bench/original_01.py: the original's
     code with its solutions, np.genfromtxt on the same digits) with ipykernel;
  4. the training epoch written in the notebook (the lesson's own functions in evcxr)
     against the release command line `erstes-netz train`, from the same start weights,
     --epoch-pairs times in turn (the ratio pair by pair: median and range);
  5. the check cells of lesson 1 that take the student's function
     (`check::forward_pass(forward_pass)`, …), each right after the definitions: the
     sum, as a student meets them (their first call also compiles the function).

    python scripts/bench_notebook.py [--kernels 3] [--runs 1] [--epochs 10] [--epoch-pairs 3]

It prints a Markdown table with the targets of issue 10 and writes it to
build/bench/notebook.md. Nothing here is a test: the numbers depend on the machine.
"""

import argparse
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from bench import (  # noqa: E402
    BUILD,
    NOTEBOOK_TRAINING,
    json_rows,
    lesson_definitions,
    peak_of,
    relative_difference,
    release_cli,
    start_weights,
)
from execute_notebook import KERNEL, cell_text, execute, problems  # noqa: E402

SOLUTION = ROOT / "notebooks" / "loesungen" / "01_erstes_netz.ipynb"
ORIGINAL = ROOT / "scripts" / "bench" / "original_01.py"
TRAIN = ROOT / "data" / "bundled" / "mnist_train_8000.csv.gz"
TEST = ROOT / "data" / "bundled" / "mnist_test_2000.csv.gz"
# The bundled digits read and prepared with the lesson's own functions, as one cell.
BUNDLED_DATA = (
    f'let (train_images, train_labels) = erstes_netz::load_csv("{TRAIN}")?;\n'
    f'let (test_images, test_labels) = erstes_netz::load_csv("{TEST}")?;\n'
    "let train_images = min_max(&train_images);\nlet test_images = min_max(&test_images);\n"
    "let train_targets = one_hot(&train_labels);\nlet test_targets = one_hot(&test_labels);\n"
)

def lesson_epoch(forward="forward_pass", back="back_prop", w="w", b="b"):
    """One epoch as in lesson 1's exercise (with test values), in Rust, with the given function and variable names."""
    return (
        f"let (z_1, a_1, y_hat) = {forward}(&{w}, &{b}, &train_images);\n"
        "let _ = (calc_loss(&y_hat, &train_targets), accuracy(&train_labels, &y_hat));\n"
        f"let (_, _, test_y_hat) = {forward}(&{w}, &{b}, &test_images);\n"
        "let _ = (calc_loss(&test_y_hat, &test_targets), accuracy(&test_labels, &test_y_hat));\n"
        f"let (grad_w, grad_b) = {back}(&train_images, &z_1, &a_1, &y_hat, &train_targets, &{w});\n"
        f"({w}, {b}) = update({w}, {b}, &grad_w, &grad_b, 0.3);\n"
    )


TRIVIAL = ["1 + 1", 'println!("hallo");', "let k = 3;", "k * 2", "let v = vec![1.0, 2.0];", "v.len()"]


class Kernel:
    """One Rust kernel; `run` returns (seconds, text output, error outputs)."""

    def __init__(self, cwd):
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name=KERNEL)
        self.km.start_kernel(cwd=str(cwd), env=dict(os.environ, RUST_BACKTRACE="0"))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def run(self, code, timeout=1800):
        texts, errors = [], []

        def hook(msg):
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                texts.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                texts.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                errors.append(content.get("evalue", ""))

        start = time.perf_counter()
        self.kc.execute_interactive(code, output_hook=hook, timeout=timeout)
        return time.perf_counter() - start, "".join(texts), "\n".join(errors)

    def stop(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def checked(result, what):
    seconds, text, errors = result
    if errors or "panicked" in text:
        sys.exit(f"{what} schlug fehl:\n{errors}\n{text[-2000:]}")
    return seconds, text


def first_and_trivial_cells(kernels):
    first_cell = next(c for c in nbformat.read(SOLUTION, as_version=4).cells if c.cell_type == "code").source
    starts, firsts, trivial = [], [], []
    for k in range(kernels):
        started = time.perf_counter()
        kernel = Kernel(SOLUTION.parent)
        starts.append(time.perf_counter() - started)
        try:
            seconds, _ = checked(kernel.run(first_cell), "Erste Zelle")
            firsts.append(seconds)
            for code in TRIVIAL:
                trivial.append(checked(kernel.run(code), code)[0])
        finally:
            kernel.stop()
        print(f"  Kernel {k + 1}: Start {starts[-1]:.1f} s, erste Zelle {firsts[-1]:.1f} s, einfache Zellen {statistics.median(trivial[-len(TRIVIAL):]):.2f} s", flush=True)
    return starts, firsts, trivial


def cell_seconds(nb):
    """(source, seconds) of each executed code cell, from nbclient's timing metadata."""
    from datetime import datetime

    def at(stamp):
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))

    found = []
    for cell in nb.cells:
        timing = cell.metadata.get("execution", {}) if cell.cell_type == "code" else {}
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            found.append((cell.source, (at(timing["shell.execute_reply"]) - at(timing["iopub.execute_input"])).total_seconds()))
    return found


def ordinary_cells(nb):
    """Seconds of the lesson's cells without the first two (kernel set-up, reading the data) and the training loops.

    These are what a student waits for between reading and the next step; late
    in the lesson each carries every variable defined so far."""
    cells = cell_seconds(nb)[2:]
    return [t for source, t in cells if not re.search(r"for \w+ in 0\.\.epochs", source)]


def whole_lesson(runs):
    """Wall time of the solution notebook (Rust) and of the original (Python), alternately.

    Also returns the seconds of the Rust lesson's ordinary cells (ordinary_cells), all runs together."""
    rust, python, ordinary = [], [], []
    original = jupytext.read(ORIGINAL)
    for _ in range(runs):
        nb = nbformat.read(SOLUTION, as_version=4)
        start = time.perf_counter()
        execute(nb, SOLUTION.parent, allow_errors=True)
        rust.append(time.perf_counter() - start)
        found = problems(nb)
        if found:
            sys.exit("Das Lösungsnotebook lief nicht sauber:\n" + "\n".join(found))
        ordinary.extend(ordinary_cells(nb))
        from nbclient import NotebookClient

        nb_py = nbformat.from_dict(original)
        start = time.perf_counter()
        NotebookClient(nb_py, kernel_name="python3", resources={"metadata": {"path": str(ORIGINAL.parent)}}).execute()
        python.append(time.perf_counter() - start)
        print(f"  Lektion 1: Rust {rust[-1]:.0f} s, Python {python[-1]:.0f} s", flush=True)
    code_cells = lambda nb: sum(c.cell_type == "code" for c in nb.cells)  # noqa: E731
    return rust, python, code_cells(nbformat.read(SOLUTION, as_version=4)), code_cells(original), ordinary


def lesson_kernel(*extra):
    """A Rust kernel that has run lesson 1's first cell, its function definitions and `extra`.

    Returns the kernel (stop it) and the solution's code cells."""
    code = [c.source for c in nbformat.read(SOLUTION, as_version=4).cells if c.cell_type == "code"]
    definitions = lesson_definitions(code)
    kernel = Kernel(SOLUTION.parent)
    try:
        for source in [code[0], *definitions, *extra]:
            checked(kernel.run(source), source.splitlines()[0])
    except BaseException:
        kernel.stop()
        raise
    return kernel, code


def check_cells():
    """Seconds of each `check::name(name)` cell of lesson 1, in one kernel after the definitions."""
    kernel, code = lesson_kernel()
    try:
        return [checked(kernel.run(c), c)[0] for c in code if re.fullmatch(r"check::[a-z_]+\([a-z_]+\)\s*", c)]
    finally:
        kernel.stop()


def training_epochs(epochs, lr="0.3", pairs=3):
    """Epochs of the lesson's own functions in evcxr against the release command line, side by side.

    One kernel; `pairs` times a command-line run and the notebook's training cell,
    alternating which goes first, from the same start weights. Returns the median
    epoch (2 to `epochs`) of each run, notebook and command line, and whether all
    runs computed the same numbers (relative difference < 1e-9)."""
    BUILD.mkdir(parents=True, exist_ok=True)
    start = start_weights()
    cli = release_cli()
    cmd = [cli, "train", "--train", TRAIN, "--test", TEST, "--init", start, "--epochs", epochs, "--lr", lr, "--json"]
    keys = ["loss", "accuracy", "test_loss", "test_accuracy"]
    median = lambda rows: statistics.median(r["seconds"] for r in rows[1:])  # noqa: E731
    nb_epochs, cli_epochs, same = [], [], True

    kernel, _ = lesson_kernel(BUNDLED_DATA)
    try:
        for pair in range(pairs):
            rows = {}
            for side in ("cli", "nb") if pair % 2 == 0 else ("nb", "cli"):
                if side == "cli":
                    rows[side] = json_rows(peak_of(cmd)[0])
                else:
                    cell = NOTEBOOK_TRAINING.format(start=start, epochs=epochs, lr=lr)
                    rows[side] = json_rows(checked(kernel.run(cell), "Training")[1])
            same = same and all(
                relative_difference(a[k], b[k]) < 1e-9 for a, b in zip(rows["nb"], rows["cli"], strict=True) for k in keys
            )
            nb_epochs.append(median(rows["nb"]))
            cli_epochs.append(median(rows["cli"]))
    finally:
        kernel.stop()
    return nb_epochs, cli_epochs, same


def epoch_row(nb_epochs, cli_epochs, same, epochs):
    """The table row of the epoch: medians, and the median and range of the ratios pair by pair."""
    ratios = sorted(n / c for n, c in zip(nb_epochs, cli_epochs, strict=True))
    med = statistics.median
    return (
        f"| Trainings-Epoche im Notebook gegen Kommandozeile (Median Epoche 2–{epochs}; "
        f"{len(ratios)} Paare abwechselnd, Verhältnis Paar für Paar) | "
        f"{med(nb_epochs) * 1000:.0f} ms gegen {med(cli_epochs) * 1000:.0f} ms = {med(ratios):.2f}× "
        f"({ratios[0]:.2f}–{ratios[-1]:.2f}×){'' if same else ' (WERTE WEICHEN AB)'} | ≤ 1,2× |"
    )


def main():
    parser = argparse.ArgumentParser(description="Wartezeiten im Rust-Notebook gegen das Python-Original.")
    parser.add_argument("--kernels", type=int, default=3, help="frische Kernel für erste und einfache Zellen")
    parser.add_argument("--runs", type=int, default=1, help="Läufe der ganzen Lektion je Sprache")
    parser.add_argument("--epochs", default="10")
    parser.add_argument("--epoch-pairs", type=int, default=3, help="Läufe Kommandozeile/Notebook im Wechsel")
    args = parser.parse_args()
    if args.epoch_pairs < 1:
        parser.error(f"--epoch-pairs braucht mindestens 1 Paar, nicht {args.epoch_pairs}")

    print("Erste Zelle und einfache Zellen …", flush=True)
    starts, firsts, trivial = first_and_trivial_cells(args.kernels)
    print("Ganze Lektion 1, Rust und Python …", flush=True)
    rust, python, rust_cells, python_cells, ordinary = whole_lesson(args.runs)
    print("Trainings-Epoche im Notebook und auf der Kommandozeile …", flush=True)
    nb_epochs, cli_epochs, same = training_epochs(args.epochs, pairs=args.epoch_pairs)
    print("Prüfzellen von Lektion 1 …", flush=True)
    checks = check_cells()

    med = statistics.median
    ratio = med(rust) / med(python)
    cpu = next(
        (l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")),
        platform.processor(),
    )
    lines = [
        f"Rechner: {cpu}, {os.cpu_count()} Kerne; Daten: die mitgelieferten 8.000/2.000 Ziffern",
        "",
        "| Messung | gemessen | Ziel |",
        "|---|---|---|",
        f"| einfache Zelle nach der ersten Zelle (Median von {len(trivial)}; Min–Max) | "
        f"{med(trivial):.2f} s ({min(trivial):.2f}–{max(trivial):.2f} s) | ≤ 0,6 s |",
        f"| gewöhnliche Zelle in Lektion 1 (ohne die ersten beiden und das Training; Median von "
        f"{len(ordinary)}; Min–Max) | {med(ordinary):.2f} s ({min(ordinary):.2f}–{max(ordinary):.2f} s) | – |",
        f"| Kernelstart, bis der Kernel bereit ist (Median von {len(starts)}) | {med(starts):.1f} s | – |",
        f"| erste Zelle eines neuen Kernels, warm (Median von {len(firsts)}) | {med(firsts):.1f} s | ≤ 8 s |",
        f"| Lektion 1 ganz, headless: Rust ({rust_cells} Codezellen) gegen Python-Original "
        f"({python_cells}) | {med(rust):.0f} s gegen {med(python):.0f} s = {ratio:.2f}× | ≤ 2× |",
        epoch_row(nb_epochs, cli_epochs, same, args.epochs),
        f"| die {len(checks)} Prüfzellen von Lektion 1 mit einer Funktion als Argument, zusammen | "
        f"{sum(checks):.1f} s ({', '.join(f'{c:.1f}' for c in checks)} s) | – |",
    ]
    table = "\n".join(lines)
    print("\n" + table)
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "notebook.md").write_text(table + "\n", encoding="utf-8")
    print(f"\n(gespeichert in {BUILD / 'notebook.md'})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
