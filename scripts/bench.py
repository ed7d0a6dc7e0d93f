#!/usr/bin/env python3
"""`make bench`: the Rust crate against the numpy original, side by side.

On full-size data (60,000 training images of 784 pixels: Fashion-MNIST from
the Debian package dataset-fashion-mnist, or full MNIST when it is in data/)
this runs, in one go and one after another:

  1. the numpy original (tests/reference/bench_numpy.py),
  2. the command line `erstes-netz train` (release build),
  3. the lesson's own notebook code in the Rust kernel evcxr,

all reading the same CSV files in the lesson's format and starting from the
same weights (np.random.seed(1234); init_weights(784, 300, 10)). Each epoch
is the closing exercise's epoch: forward pass, loss, accuracy, test values
with the same weights, back_prop, update. It prints a table: median time per
epoch, CSV read time, peak memory (maximum resident set size of the process),
the largest relative difference of the per-epoch values, and the notebook's
epoch against the command line's.

    python scripts/bench.py [--epochs 10] [--runs 3] [--data DIR] [--no-notebook] [--no-mnist-like]

A second data set has MNIST's sparsity (about 81 % zeros) at full size:
the 10,000 bundled MNIST digits, repeated six times for the 60,000
training rows and once for the test rows.

numpy runs at its best: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed
from its environment (they slow a current numpy down where set), and the
OpenBLAS kernel and thread count it uses are reported.
"""

import argparse
import gzip
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"
sys.path.insert(0, str(ROOT / "tests" / "reference"))
sys.path.insert(0, str(ROOT / "scripts"))

FASHION = Path("/usr/share/datasets/fashion-mnist")
IDX_NAMES = [
    ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
]


def read_idx(path):
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    ndim = raw[3]
    dims = np.frombuffer(raw, ">u4", count=ndim, offset=4)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find_idx(folder, name):
    for candidate in [folder / name, folder / f"{name}.gz"]:
        if candidate.is_file():
            return candidate
    return None


def prepare_data(data_dir):
    """CSV files in the lesson's format (label, 784 pixels) for both sides."""
    full_csv = [data_dir / "mnist_train.csv", data_dir / "mnist_test.csv"] if data_dir else []
    if full_csv and all(p.is_file() for p in full_csv):
        return "vollständiges MNIST", full_csv
    folders = ([data_dir] if data_dir else []) + [ROOT / "data", FASHION]
    for folder in folders:
        found = [(find_idx(folder, i), find_idx(folder, l)) for i, l in IDX_NAMES]
        if all(i and l for i, l in found):
            break
    else:
        sys.exit(
            "Keine großen Daten gefunden. Installieren Sie das Debian-Paket dataset-fashion-mnist "
            "(sudo apt install dataset-fashion-mnist) oder legen Sie MNIST in data/."
        )
    name = "Fashion-MNIST" if folder == FASHION else f"IDX aus {folder}"
    BUILD.mkdir(parents=True, exist_ok=True)
    out = []
    for (images, labels), part in zip(found, ["train", "test"]):
        csv = BUILD / f"{part}.csv"
        if not csv.is_file() or csv.stat().st_mtime < images.stat().st_mtime:
            x = read_idx(images).reshape(-1, 784)
            y = read_idx(labels)
            rows = np.column_stack([y, x]).astype(np.int64)
            tmp = csv.with_suffix(".tmp")
            np.savetxt(tmp, rows, fmt="%d", delimiter=",")
            tmp.replace(csv)
        out.append(csv)
    return name, out


def prepare_mnist_tiled():
    """MNIST-like data at full size: the 10,000 bundled MNIST digits (train and
    test files together), repeated six times for 60,000 training rows, once
    for 10,000 test rows. Same share of zeros as MNIST (about 81 %)."""
    import gzip

    bundled = ROOT / "data" / "bundled"
    sources = [bundled / "mnist_train_8000.csv.gz", bundled / "mnist_test_2000.csv.gz"]
    BUILD.mkdir(parents=True, exist_ok=True)
    out = [BUILD / "mnist_kacheln_train.csv", BUILD / "mnist_kacheln_test.csv"]
    newest = max(p.stat().st_mtime for p in sources)
    if all(p.is_file() and p.stat().st_mtime >= newest for p in out):
        return "MNIST-ähnlich (mitgelieferte Ziffern, gekachelt)", out
    lines = []
    for src in sources:
        with gzip.open(src, "rt", encoding="utf-8") as f:
            lines += [line for line in f.read().splitlines() if line and line[0].isdigit()]
    if len(lines) != 10_000:
        sys.exit(f"{bundled}: 10.000 Ziffern erwartet, gefunden {len(lines)}")
    for path, times in zip(out, [6, 1]):
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines * times) + "\n", encoding="utf-8")
        tmp.replace(path)
    return "MNIST-ähnlich (mitgelieferte Ziffern, gekachelt)", out


def start_weights():
    import lesson_numpy as ref

    np.random.seed(1234)
    W, b = ref.init_weights(784, 300, 10)
    path = BUILD / "start.npz"
    np.savez(path, W0=W[0], W1=W[1], b0=b[0], b1=b[1])
    return path


def run_measured(cmd, env=None):
    """Runs cmd, returns (stdout, stderr, peak RSS in bytes) of that process."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = proc.communicate()
    # ru_maxrss of all waited-for children is the largest so far: measure each
    # program in its own helper process so the numbers do not mix.
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} schlug fehl:\n{err}")
    return out, err


def peak_of(cmd, env=None):
    """Runs cmd inside a fresh Python helper and returns (stdout, stderr, peak RSS bytes)."""
    helper = (
        "import json, resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
        "print(json.dumps({'rc': p.returncode, 'out': p.stdout, 'err': p.stderr, 'rss': rss}))\n"
    )
    out, _ = run_measured([sys.executable, "-c", helper, *map(str, cmd)], env=env)
    result = json.loads(out)
    if result["rc"] != 0:
        sys.exit(f"{' '.join(map(str, cmd))} schlug fehl:\n{result['err']}")
    return result["out"], result["err"], result["rss"]


def json_rows(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def run_numpy(csvs, start, epochs, lr):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    script = ROOT / "tests" / "reference" / "bench_numpy.py"
    out, _, rss = peak_of([sys.executable, script, *csvs, start, epochs, lr], env=env)
    rows = json_rows(out)
    load = next(r for r in rows if "load_seconds" in r)["load_seconds"]
    blas = next((r["blas"] for r in rows if "blas" in r), [])
    return load, [r for r in rows if "epoch" in r], rss, blas


def release_cli():
    """The command line program, built with `cargo build --release` first (a no-op when it is current)."""
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "erstes-netz"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "erstes-netz"


def run_rust(csvs, start, epochs, lr):
    cmd = [release_cli(), "train", "--train", csvs[0], "--test", csvs[1], "--init", start, "--epochs", epochs, "--lr", lr, "--json"]
    out, err, rss = peak_of(cmd)
    load = float(re.search(r"Eingelesen in ([0-9.]+) s", err).group(1))
    return load, json_rows(out), rss


NOTEBOOK_TRAINING = """\
let (mut w, mut b) = erstes_netz::load_weights("{start}").expect("Startgewichte");
let mut seconds = Vec::new();
{{
    let _muster = ImagePattern::keep(&train_images); // a block, as lesson 1's training cells have it
    for i in 0..{epochs} {{
        let t = std::time::Instant::now();
        let (z_1, a_1, y_hat) = forward_pass(&w, &b, &train_images);
        let loss = calc_loss(&y_hat, &train_targets) / y_hat.nrows() as f64;
        let acc = accuracy(&train_labels, &y_hat);
        let (_, _, test_y_hat) = forward_pass(&w, &b, &test_images);
        let test_loss = calc_loss(&test_y_hat, &test_targets) / test_y_hat.nrows() as f64;
        let test_acc = accuracy(&test_labels, &test_y_hat);
        let (grad_w, grad_b) = back_prop(&train_images, &z_1, &a_1, &y_hat, &train_targets, &w);
        (w, b) = update(w, b, &grad_w, &grad_b, {lr});
        let s = t.elapsed().as_secs_f64();
        seconds.push(s);
        println!("{{{{\\"epoch\\": {{}}, \\"loss\\": {{}}, \\"test_loss\\": {{}}, \\"accuracy\\": {{}}, \\"test_accuracy\\": {{}}, \\"seconds\\": {{}}}}}}", i + 1, loss, test_loss, acc, test_acc, s);
    }}
}}
"""


def lesson_definitions(sources):
    """The cells of a lesson that define functions (comments and `use` lines before the first `fn`), checks left out."""
    return [s for s in sources if re.match(r"((//|use )[^\n]*\n|\n)*fn ", s) and "check::" not in s]


def run_notebook(csvs, start, epochs, lr):
    """The lesson's functions, as defined in the solution notebook, in evcxr."""
    import nbformat
    from execute_notebook import cell_text, execute

    solution = nbformat.read(ROOT / "notebooks" / "loesungen" / "01_erstes_netz.ipynb", as_version=4)
    code = [c for c in solution.cells if c.cell_type == "code"]
    setup = code[0].source
    definitions = lesson_definitions(c.source for c in code)
    data = (
        f'let (train_images, train_labels) = erstes_netz::load_csv("{csvs[0]}")?;\n'
        f'let (test_images, test_labels) = erstes_netz::load_csv("{csvs[1]}")?;\n'
        "let train_images = min_max(&train_images);\nlet test_images = min_max(&test_images);\n"
        "let train_targets = one_hot(&train_labels);\nlet test_targets = one_hot(&test_labels);\n"
    )
    training = NOTEBOOK_TRAINING.format(start=start, epochs=epochs, lr=lr)
    nb = nbformat.v4.new_notebook(metadata=solution.metadata)
    nb.cells = [nbformat.v4.new_code_cell(s) for s in [setup, *definitions, data, training]]
    execute(nb, ROOT / "notebooks" / "loesungen", allow_errors=True)
    text = cell_text(nb.cells[-1])
    rows = json_rows(text)
    if len(rows) != int(epochs):
        sys.exit("Notebook-Lauf unvollständig:\n" + "\n".join(cell_text(c) for c in nb.cells)[-3000:])
    return rows


def relative_difference(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def measure(name, csvs, start, args, notebook):
    """Numpy and Rust side by side, `args.runs` times; returns the table rows of one data set."""
    runs = []
    for run in range(1, args.runs + 1):
        print(f"{name}, Lauf {run}/{args.runs}: numpy …", flush=True)
        np_load, np_rows, np_rss, blas = run_numpy(csvs, start, args.epochs, args.lr)
        print(f"{name}, Lauf {run}/{args.runs}: Rust (Kommandozeile) …", flush=True)
        rs_load, rs_rows, rs_rss = run_rust(csvs, start, args.epochs, args.lr)
        runs.append((np_load, np_rows, np_rss, rs_load, rs_rows, rs_rss))
    nb_rows = []
    if notebook:
        print(f"{name}: Rust (Notebook, evcxr) …", flush=True)
        nb_rows = run_notebook(csvs, start, args.epochs, args.lr)

    # The first epoch warms caches and allocators on every side; the median
    # of the rest is the steady state a student sees.
    median = lambda rows: statistics.median(r["seconds"] for r in rows[1:] or rows)  # noqa: E731
    ratios = [median(np_rows) / median(rs_rows) for _, np_rows, _, _, rs_rows, _ in runs]
    np_epoch = statistics.median(median(r[1]) for r in runs)
    rs_epoch = statistics.median(median(r[4]) for r in runs)
    ratio = statistics.median(ratios)
    np_load = statistics.median(r[0] for r in runs)
    rs_load = statistics.median(r[3] for r in runs)
    np_rss, rs_rss = max(r[2] for r in runs), max(r[5] for r in runs)
    keys = ["loss", "accuracy", "test_loss", "test_accuracy"]
    worst = max(
        relative_difference(a[k], b[k])
        for _, np_rows, _, _, rs_rows, _ in runs
        for a, b in zip(np_rows, rs_rows, strict=True)
        for k in keys
    )
    np_rows = runs[0][1]
    worst_nb = max((relative_difference(a[k], b[k]) for a, b in zip(np_rows, nb_rows) for k in keys), default=0.0)
    tick = lambda ok: "✅" if ok else "❌"  # noqa: E731
    target = args.target_fashion if "Fashion" in name else args.target_sparse
    spread = f"{min(ratios):.2f}–{max(ratios):.2f}×" if len(ratios) > 1 else ""
    lines = [
        f"| {name}: Zeit pro Epoche (Median) | {np_epoch:.3f} s | {rs_epoch:.3f} s | "
        f"{ratio:.2f}× schneller {f'({spread} in {len(ratios)} Läufen)' if spread else ''} | ≥ {target}× {tick(ratio >= target)} |",
        f"| {name}: CSV einlesen (Training + Test) | {np_load:.1f} s | {rs_load:.2f} s | "
        f"{np_load / rs_load:.0f}× schneller | ≥ 30× {tick(np_load / rs_load >= 30)} |",
        f"| {name}: Spitzenspeicher (max. RSS) | {np_rss / 1e9:.2f} GB | {rs_rss / 1e9:.2f} GB | "
        f"{rs_rss / np_rss:.3f} (≈ 1/{np_rss / rs_rss:.2f}) | ≤ 1/5 {tick(rs_rss * 5 <= np_rss)} |",
        f"| {name}: größte relative Abweichung von Loss/Accuracy je Epoche | – | {worst:.1e} | | "
        f"< 1e-9 {tick(worst < 1e-9)} |",
    ]
    if nb_rows:
        nb_epoch = median(nb_rows)
        lines.append(
            f"| {name}: Epoche im Notebook (evcxr) gegen Kommandozeile | – | {nb_epoch:.3f} s gegen {rs_epoch:.3f} s | "
            f"{nb_epoch / rs_epoch:.2f}× (Abweichung zu numpy {worst_nb:.1e}) | ≤ 1,2× {tick(nb_epoch <= 1.2 * rs_epoch)} |"
        )
    return lines, blas


def main():
    parser = argparse.ArgumentParser(description="Rust gegen das numpy-Original, nebeneinander gemessen.")
    parser.add_argument("--epochs", default="10")
    parser.add_argument("--lr", default="0.1")
    parser.add_argument("--runs", type=int, default=3, help="Läufe je Datensatz (Median der Epochen-Mediane)")
    parser.add_argument("--data", type=Path, help="Ordner mit mnist_train.csv/mnist_test.csv oder IDX-Dateien")
    parser.add_argument("--no-notebook", action="store_true", help="den Lauf im Notebook-Kernel auslassen")
    parser.add_argument("--no-mnist-like", action="store_true", help="die gekachelten MNIST-Ziffern auslassen")
    parser.add_argument("--target-fashion", type=float, default=2.0, help=argparse.SUPPRESS)
    parser.add_argument("--target-sparse", type=float, default=3.0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    sets = [prepare_data(args.data)]
    if not args.no_mnist_like:
        sets.append(prepare_mnist_tiled())
    start = start_weights()
    rows, blas = [], []
    for i, (name, csvs) in enumerate(sets):
        print(f"Daten: {name}, {csvs[0]} und {csvs[1]}", flush=True)
        lines, blas = measure(name, csvs, start, args, notebook=(i == 0 and not args.no_notebook))
        rows += lines

    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), platform.processor())
    lines = [
        f"Daten: {', '.join(n for n, _ in sets)}; je 60.000 × 784 (Training) und 10.000 × 784 (Test), "
        f"versteckte Schicht 300, f64, {args.epochs} Epochen, Lernrate {args.lr}, {args.runs} Läufe",
        f"Rechner: {cpu}, {os.cpu_count()} Kerne; numpy {np.__version__}, BLAS {blas}",
        "",
        "| Messung | numpy-Original | Rust | Verhältnis | Ziel |",
        "|---|---|---|---|---|",
        *rows,
    ]
    table = "\n".join(lines)
    print()
    print(table)
    (BUILD / "ergebnis.md").write_text(table + "\n", encoding="utf-8")
    print(f"\n(gespeichert in {BUILD / 'ergebnis.md'})")


if __name__ == "__main__":
    main()
