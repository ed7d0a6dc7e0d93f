#!/usr/bin/env python3
"""Where the notebook's training epoch loses against the command line: each step timed alone.

One Rust kernel of the course with lesson 1's first cell, its function
definitions (the solution's) and the bundled 8,000/2,000 digits. In one cell,
epochs of the lesson's exercise (forward pass, loss and accuracy, the test
images' forward pass, backpropagation, update) written out step by step, each
step timed with `Instant`; printed is the median of each step over the epochs
(the first left out). The steps call what the lesson's own functions call
(`matmul`, `+ &b[0]`, `sigmoid`, …), compiled in the cell as a student's code is,
with the training images' pattern kept as the lesson's training cells keep it
(`ImagePattern::keep`).

Then `erstes-netz train --profile` on the same data from the same start
weights: the command line's own step table (it fuses bias, sigmoid and the
second layer's product into one pass, and dz₁, dw₂ and db₁ into another).

    python scripts/bench_epoch_steps.py [--epochs 16] [--ohne-wrapper]

--ohne-wrapper starts the kernel with `CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER=`
(empty): cells compile as evcxr sets them up, with ThinLTO across the cell
crate's codegen units, so the cost of compiling cells without it shows
(scripts/kernel/README.md, "Zellen ohne ThinLTO").
"""

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_notebook as bn  # noqa: E402
from bench import release_cli, start_weights  # noqa: E402

# `step!` times one expression and keeps its value; a block of its own, because
# evcxr keeps top-level `let`s as notebook variables (a macro cannot see them).
STEPS = r"""
{{
let (mut w, mut b) = erstes_netz::load_weights("{start}").expect("Startgewichte");
let n = train_images.nrows() as f64;
let mut times: Vec<(&str, f64)> = Vec::new();
macro_rules! step {{ ($name:expr, $e:expr) => {{ {{
    let t = std::time::Instant::now();
    let value = $e;
    times.push(($name, t.elapsed().as_secs_f64() * 1e3));
    value
}} }} }}
let muster = ImagePattern::keep(&train_images); // as lesson 1's training cells do
for epoch in 0..{epochs} {{
    if epoch == 1 {{
        times.clear(); // epoch 0 warmed up
    }}
    let t = std::time::Instant::now();
    let p = step!("x·w[0]ᵀ", matmul(&train_images, &w[0].t()));
    let z_1 = step!("+ b[0]", p + &b[0]);
    let a_1 = step!("sigmoid", sigmoid(&z_1));
    let z_2 = step!("a_1·w[1]ᵀ + b[1]", matmul(&a_1, &w[1].t()) + &b[1]);
    let y_hat = step!("softmax", softmax(&z_2, Axis(1)));
    let _ = step!("calc_loss, accuracy", (calc_loss(&y_hat, &train_targets), accuracy(&train_labels, &y_hat)));
    let (_, _, test_y_hat) = step!("forward_pass (Testbilder)", forward_pass(&w, &b, &test_images));
    let _ = step!("calc_loss, accuracy (Test)", (calc_loss(&test_y_hat, &test_targets), accuracy(&test_labels, &test_y_hat)));
    let dz_2 = step!("dz_2 = y_hat − y", &y_hat - &train_targets);
    let dw_2 = step!("dw_2 = dz_2ᵀ·a_1 / n", matmul(&dz_2.t(), &a_1) / n);
    let db_2 = step!("db_2", dz_2.sum_axis(Axis(0)) / n);
    let m = step!("dz_2·w[1]", matmul(&dz_2, &w[1]));
    let s = step!("a_1 ⊙ (1 − a_1)", a_1.mapv(|a| a * (1.0 - a)));
    let dz_1 = step!("dz_1 = … ⊙ …", m * &s);
    let dw_1 = step!("dw_1 = dz_1ᵀ·x / n", matmul(&dz_1.t(), &train_images) / n);
    let db_1 = step!("db_1", dz_1.sum_axis(Axis(0)) / n);
    (w, b) = step!("update", update(w, b, &[dw_1, dw_2], &[db_1, db_2], 0.3));
    times.push(("Epoche", t.elapsed().as_secs_f64() * 1e3));
    drop(z_1);
}}
drop(muster);
for (name, ms) in &times {{
    println!("STEP\t{{name}}\t{{ms}}");
}}
}}
"""


def medians(text):
    """Median milliseconds per step from the cell's `STEP\\tname\\tms` lines, in first-seen order."""
    steps = {}
    for line in text.splitlines():
        if line.startswith("STEP\t"):
            _, name, ms = line.split("\t")
            steps.setdefault(name, []).append(float(ms))
    return {name: statistics.median(values) for name, values in steps.items()}


def main():
    parser = argparse.ArgumentParser(description="Zeit je Rechenschritt der Epoche im Notebook gegen die Kommandozeile.")
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--ohne-wrapper", action="store_true", help="Zellen mit ThinLTO (ohne cell-rustc.sh) übersetzen")
    args = parser.parse_args()
    if args.ohne_wrapper:
        os.environ["CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER"] = ""
    start = start_weights()

    kernel, _ = bn.lesson_kernel(bn.BUNDLED_DATA)
    try:
        _, text = bn.checked(kernel.run(STEPS.format(start=start, epochs=args.epochs)), "Schritte")
    finally:
        kernel.stop()
    steps = medians(text)
    epoch = steps.pop("Epoche")

    cli = subprocess.run(
        [release_cli(), "train", "--train", bn.TRAIN, "--test", bn.TEST,
         "--init", start, "--epochs", str(args.epochs), "--lr", "0.3", "--profile"],
        check=True, capture_output=True, text=True,
    ).stdout
    profile = cli[cli.index("Zeit je Rechenschritt"):]

    print(f"Im Notebook (Median von {args.epochs - 1} Epochen ab der zweiten, "
          f"{'mit ThinLTO, ohne cell-rustc.sh' if args.ohne_wrapper else 'Zellen wie im Kurs'}):\n")
    print("| Schritt | ms |\n|---|---|")
    for name, ms in steps.items():
        print(f"| {name} | {ms:.2f} |")
    print(f"| Summe der Schritte | {sum(steps.values()):.1f} |")
    print(f"| Epoche (gemessen) | {epoch:.1f} |")
    print("\nKommandozeile (`erstes-netz train --profile`):\n")
    print(profile)


if __name__ == "__main__":
    main()
