#!/usr/bin/env python3
"""Writes the test curve that check::test_metrics compares with on the bundled digits.

    python scripts/make_test_curve.py

The closing exercise of lesson 1 trains from seed 1234 (784 → 300 → 10) with
learning rate 0.3 and records test loss and test accuracy before each update.
On the bundled MNIST digits that curve is always the same, so the check reads
it from crates/erstes_netz/src/check/test_curve_mnist_bundled.csv instead of
training the reference again in every notebook (about 2 s per check). The
crate's own test `known_test_curve_is_a_live_run` recomputes it; if it fails
(the data or the arithmetic changed), run this script again. Never edit the
file by hand.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crates" / "erstes_netz" / "src" / "check" / "test_curve_mnist_bundled.csv"
EPOCHS = 30
LR = "0.3"


def main():
    bundled = ROOT / "data" / "bundled"
    run = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "--locked", "--bin", "erstes-netz", "--", "train",
         "--train", str(bundled / "mnist_train_8000.csv.gz"), "--test", str(bundled / "mnist_test_2000.csv.gz"),
         "--epochs", str(EPOCHS), "--lr", LR, "--json"],
        cwd=ROOT, capture_output=True, text=True,
    )
    if run.returncode != 0:
        sys.exit(f"erstes-netz train schlug fehl:\n{run.stderr}")
    rows = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    if [r["epoch"] for r in rows] != list(range(1, EPOCHS + 1)):
        sys.exit(f"erwartet {EPOCHS} Epochen, bekommen:\n{run.stdout}")
    lines = [
        "# Test loss and test accuracy per epoch of lesson 1's closing exercise on the",
        f"# bundled MNIST digits: seed 1234, 784 -> 300 -> 10, learning rate {LR}, values",
        "# before each epoch's update. Written by scripts/make_test_curve.py; do not edit.",
        "epoch,test_loss,test_accuracy",
        # json keeps Rust's shortest round-trip form of each f64
        *(f"{r['epoch']},{json.dumps(r['test_loss'])},{json.dumps(r['test_accuracy'])}" for r in rows),
    ]
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(OUT)
    print(f"{OUT.relative_to(ROOT)}: {EPOCHS} Epochen")


if __name__ == "__main__":
    main()
