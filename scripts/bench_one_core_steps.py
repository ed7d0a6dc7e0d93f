#!/usr/bin/env python3
"""Lesson 1's epoch with its elementwise steps as they were (one core, two passes) and as they are.

One Rust kernel of the course with lesson 1's first cell, its function
definitions (the solution's) and the bundled digits. Then, from the same start
weights, epochs taken in turn (A B, B A, …) with

  A: the lesson's functions as the lesson has them now: since 08.12.2026
     sigmoid through `erstes_netz::sigmoid` (vectorised, all cores; from 04.12.
     to 08.12. `Zip::from(z).par_map_collect`) and σ' as
     `a_1.mapv(|a| a * (1.0 - a))` (one pass);
  B: the same functions with the form the lesson had until 04.12.2026:
     `z.mapv(…)` (one core) and `a_1 * &(1.0 - a_1)` (two passes, two arrays).

Each epoch as in the lesson's exercise (forward pass, loss, accuracy, test
values, backpropagation, update). Prints the median epoch of each, the median
ratio B/A over the pairs (first pair left out: warming up) and whether the
weights after all epochs are the same bit for bit (they must be: the same
formula per value).

    python scripts/bench_one_core_steps.py [--pairs 16]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_notebook as bn  # noqa: E402

ONE_CORE = r"""
fn sigmoid_one_core(z: &Array2<f64>) -> Array2<f64> {
    z.mapv(|v| 1.0 / (1.0 + (-v).exp()))
}
fn forward_pass_one_core(w: &Weights, b: &Biases, x: &Array2<f64>) -> (Array2<f64>, Array2<f64>, Array2<f64>) {
    let z_1 = matmul(x, &w[0].t()) + &b[0];
    let a_1 = sigmoid_one_core(&z_1);
    let z_2 = matmul(&a_1, &w[1].t()) + &b[1];
    let y_hat = softmax(&z_2, Axis(1));
    (z_1, a_1, y_hat)
}
fn back_prop_one_core(x: &Array2<f64>, _z_1: &Array2<f64>, a_1: &Array2<f64>, y_hat: &Array2<f64>, y: &Array2<f64>, w: &Weights) -> (Weights, Biases) {
    let n = x.nrows() as f64;
    let dz_2 = y_hat - y;
    let dw_2 = matmul(&dz_2.t(), a_1) / n;
    let db_2 = dz_2.sum_axis(Axis(0)) / n;
    let dz_1 = matmul(&dz_2, &w[1]) * &(a_1 * &(1.0 - a_1));
    let dw_1 = matmul(&dz_1.t(), x) / n;
    let db_1 = dz_1.sum_axis(Axis(0)) / n;
    ([dw_1, dw_2], [db_1, db_2])
}
"""

# One block: nothing of it is kept as a variable (evcxr cannot keep closures).
CELL = """{{
let mut rng = NumpyRng::seed(1234);
let (w_0, b_0) = init_weights(784, 300, 10, &mut rng);
let (mut w_a, mut b_a) = (w_0.clone(), b_0.clone());
let (mut w_b, mut b_b) = (w_0, b_0);
let (mut t_a, mut t_b) = (Vec::new(), Vec::new());
for i in 0..{pairs} {{
    for lesson_first in [i % 2 == 0, i % 2 == 1] {{
        let t = std::time::Instant::now();
        if lesson_first {{
            {a}
            t_a.push(t.elapsed().as_secs_f64());
        }} else {{
            {b}
            t_b.push(t.elapsed().as_secs_f64());
        }}
    }}
}}
let same = w_a[0].iter().chain(w_a[1].iter()).zip(w_b[0].iter().chain(w_b[1].iter())).all(|(p, q)| p.to_bits() == q.to_bits());
let median = |mut v: Vec<f64>| {{ v.sort_by(f64::total_cmp); v[v.len() / 2] }};
let ratios: Vec<f64> = t_a.iter().zip(&t_b).skip(1).map(|(a, b)| b / a).collect();
let (lo, hi) = (ratios.iter().cloned().fold(f64::INFINITY, f64::min), ratios.iter().cloned().fold(0.0, f64::max));
println!("A (Lektion) {{:.1}} ms, B (ein Kern, zwei Durchgänge) {{:.1}} ms, B/A {{:.3}} (Spanne {{:.3}}–{{:.3}}, {{}} Paare), Weights bitgleich: {{}}",
    1e3 * median(t_a[1..].to_vec()), 1e3 * median(t_b[1..].to_vec()), median(ratios.clone()), lo, hi, ratios.len(), same);
}}"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=16)
    args = parser.parse_args()
    if args.pairs < 2:
        parser.error("--pairs muss mindestens 2 sein (das erste Paar wärmt nur auf)")
    cell = CELL.format(
        pairs=args.pairs,
        a=bn.lesson_epoch(w="w_a", b="b_a"),
        b=bn.lesson_epoch("forward_pass_one_core", "back_prop_one_core", "w_b", "b_b"),
    )
    kernel, _ = bn.lesson_kernel(bn.BUNDLED_DATA, ONE_CORE)
    try:
        _, text = bn.checked(kernel.run(cell), "Epochen A/B")
    finally:
        kernel.stop()
    print(text.strip())
    if "bitgleich: true" not in text:
        sys.exit("Die Weights weichen ab: beide Formen müssen dieselben Zahlen liefern.")


if __name__ == "__main__":
    main()
