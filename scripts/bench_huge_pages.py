#!/usr/bin/env python3
"""Huge pages for glibc's malloc in the notebook kernel: the epoch and the cells, side by side.

Fresh Rust kernels of the course, taken in turn with GLIBC_TUNABLES set to
glibc.malloc.hugetlb=1 and =0 (evcxr, its rust-analyzer, cargo, rustc and the
process that runs the cells all inherit it). Each pair measures

  * the epoch: lesson 1's first cell and function definitions (the solution's),
    the bundled digits, 10 epochs of the lesson's own forward_pass and back_prop;
    the median epoch and the median page faults of an epoch;
  * the cells: a new kernel's first cell and six trivial cells after it.

Measured on 03.12.2026 (README, "Neue Arrays auf großen Seiten"): the epoch
slightly faster, the first cell and the trivial cells slower, so the course's
kernel does not set it.

    python scripts/bench_huge_pages.py [--pairs 8]
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_notebook as bn  # noqa: E402

DATA = bn.BUNDLED_DATA + "let mut rng = NumpyRng::seed(1234);\nlet (w, b) = init_weights(784, 300, 10, &mut rng);\n"

# Minor page faults from /proc/self/stat (field 10; the 8th after the command name).
EPOCHS = (
    r"""
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    stat[stat.rfind(')').unwrap() + 2..].split(' ').nth(7).unwrap().parse().unwrap()
}
let (mut w, mut b) = (w.clone(), b.clone());
let (mut ms, mut faults) = (Vec::new(), Vec::new());
for _ in 0..10 {
    let (f0, t) = (minor_faults(), std::time::Instant::now());
EPOCH    ms.push(t.elapsed().as_secs_f64() * 1000.0);
    faults.push(minor_faults() - f0);
}
ms.sort_by(f64::total_cmp);
faults.sort();
println!("ERGEBNIS {:.1} {}", ms[5], faults[5]);
"""
).replace("EPOCH", bn.lesson_epoch())


def one_kernel(hugetlb):
    os.environ["GLIBC_TUNABLES"] = f"glibc.malloc.hugetlb={hugetlb}"
    kernel, _ = bn.lesson_kernel(DATA)
    try:
        _, text = bn.checked(kernel.run(EPOCHS), "Training")
    finally:
        kernel.stop()
    _, ms, faults = next(line for line in text.splitlines() if line.startswith("ERGEBNIS")).split()
    return float(ms), int(faults)


def cells(hugetlb):
    os.environ["GLIBC_TUNABLES"] = f"glibc.malloc.hugetlb={hugetlb}"
    _, firsts, trivial = bn.first_and_trivial_cells(1)
    return firsts[0], statistics.median(trivial)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=8)
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        sys.exit("Große Seiten über GLIBC_TUNABLES gibt es nur unter Linux mit glibc.")
    epoch, first, trivial = ({1: [], 0: []} for _ in range(3))
    for p in range(args.pairs):
        for hugetlb in (1, 0) if p % 2 == 0 else (0, 1):
            ms, faults = one_kernel(hugetlb)
            f, t = cells(hugetlb)
            epoch[hugetlb].append(ms)
            first[hugetlb].append(f)
            trivial[hugetlb].append(t)
            print(
                f"Paar {p + 1}, hugetlb={hugetlb}: Epoche {ms:.1f} ms, {faults} Seitenfehler; "
                f"erste Zelle {f:.1f} s, einfache Zellen {t:.2f} s",
                flush=True,
            )
    for name, values, unit in [("Epoche", epoch, "ms"), ("erste Zelle", first, "s"), ("einfache Zelle", trivial, "s")]:
        faster = sum(a < b for a, b in zip(values[1], values[0]))
        print(
            f"{name}: Median {statistics.median(values[1]):.2f} {unit} mit großen Seiten, "
            f"{statistics.median(values[0]):.2f} {unit} ohne; mit großen Seiten schneller in {faster} von {args.pairs} Paaren"
        )


if __name__ == "__main__":
    main()
