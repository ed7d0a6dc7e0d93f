//! The elementwise steps of the lesson's network fused into one pass over
//! the images each, for the crate's own `forward_pass` and `back_prop` (the
//! command line and the checks). Each image's row is read once and worked
//! on while it is in the L1 cache, on all cores, instead of one pass over
//! 144 MB arrays per step (measured in the README's profile).
//!
//! The numbers are those of the step-by-step code with [`crate::matmul`]:
//! the same operations in the same order, so `z_1`, `z_2` (from `a_1`),
//! `dz_1` and `dw_2` agree bit for bit with what a student's `forward_pass`
//! and `back_prop` built from `matmul` give. `db_1` sums in another order,
//! and σ uses a vectorised `exp` where the CPU has AVX-512 (a few units in
//! the last place from the scalar formula, see `sigmoid.rs`).

use rayon::prelude::*;

use super::sigmoid::{Sigmoid, sigmoid_for_cpu};
use super::thin::parts;
use super::vector::{axpy, dot};

/// Images per task in the forward pass.
const ROWS_PER_TASK: usize = 256;

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn hidden_rows(
    z_1: &mut [f64],
    a_1: &mut [f64],
    z_2: &mut [f64],
    b_0: &[f64],
    w_1: &[f64],
    b_1: &[f64],
    hidden: usize,
    classes: usize,
    sigmoid: Sigmoid,
) {
    let rows = z_1
        .chunks_exact_mut(hidden)
        .zip(a_1.chunks_exact_mut(hidden))
        .zip(z_2.chunks_exact_mut(classes));
    for ((z, a), z2) in rows {
        for (z, b) in z.iter_mut().zip(b_0) {
            *z += b;
        }
        sigmoid(z, a);
        for ((o, w), b) in z2.iter_mut().zip(w_1.chunks_exact(hidden)).zip(b_1) {
            *o = dot(a, w) + b;
        }
    }
}

widest!(fn hidden_task(z_1: &mut [f64], a_1: &mut [f64], z_2: &mut [f64], b_0: &[f64], w_1: &[f64], b_1: &[f64], hidden: usize, classes: usize, sigmoid: Sigmoid) => hidden_rows);

/// In one pass over the images: z₁ += b₀, a₁ = σ(z₁), z₂ = a₁·W₁ᵀ + b₁.
/// `z_1` is rows × hidden, `w_1` classes × hidden (all row-major); returns (a₁, z₂).
pub(crate) fn hidden_layer(
    z_1: &mut [f64],
    b_0: &[f64],
    w_1: &[f64],
    b_1: &[f64],
    (rows, hidden, classes): (usize, usize, usize),
) -> (Vec<f64>, Vec<f64>) {
    assert!(
        z_1.len() == rows * hidden
            && b_0.len() == hidden
            && w_1.len() == classes * hidden
            && b_1.len() == classes,
        "layer sizes"
    );
    let mut a_1 = vec![0.0f64; rows * hidden];
    let mut z_2 = vec![0.0f64; rows * classes];
    if hidden == 0 || classes == 0 {
        return (a_1, z_2);
    }
    let sigmoid = sigmoid_for_cpu();
    z_1.par_chunks_mut(ROWS_PER_TASK * hidden)
        .zip(a_1.par_chunks_mut(ROWS_PER_TASK * hidden))
        .zip(z_2.par_chunks_mut(ROWS_PER_TASK * classes))
        .for_each(|((z, a), z2)| hidden_task(z, a, z2, b_0, w_1, b_1, hidden, classes, sigmoid));
    (a_1, z_2)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gradient_rows(
    dz_1: &mut [f64],
    dw_2: &mut [f64],
    db_1: &mut [f64],
    dz_2: &[f64],
    a_1: &[f64],
    w_1: &[f64],
    hidden: usize,
    classes: usize,
) {
    let rows = dz_1
        .chunks_exact_mut(hidden)
        .zip(dz_2.chunks_exact(classes))
        .zip(a_1.chunks_exact(hidden));
    for ((d1, d2), a) in rows {
        for (&v, w) in d2.iter().zip(w_1.chunks_exact(hidden)) {
            axpy(d1, v, w);
        }
        for (d, &a) in d1.iter_mut().zip(a) {
            *d *= a * (1.0 - a);
        }
        for (&v, dw) in d2.iter().zip(dw_2.chunks_exact_mut(hidden)) {
            axpy(dw, v, a);
        }
        for (s, d) in db_1.iter_mut().zip(d1.iter()) {
            *s += d;
        }
    }
}

widest!(fn gradient_task(dz_1: &mut [f64], dw_2: &mut [f64], db_1: &mut [f64], dz_2: &[f64], a_1: &[f64], w_1: &[f64], hidden: usize, classes: usize) => gradient_rows);

/// In one pass over the images: dZ₁ = (dZ₂·W₁) ⊙ a₁ ⊙ (1 − a₁), dZ₂ᵀ·a₁ and
/// Σᵢ dZ₁ (both not yet divided by n). `dz_2` is rows × classes, `a_1` rows
/// × hidden, `w_1` classes × hidden; returns (dZ₁, dZ₂ᵀ·a₁, Σᵢ dZ₁).
pub(crate) fn hidden_gradients(
    dz_2: &[f64],
    a_1: &[f64],
    w_1: &[f64],
    (rows, hidden, classes): (usize, usize, usize),
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    assert!(
        dz_2.len() == rows * classes && a_1.len() == rows * hidden && w_1.len() == classes * hidden,
        "layer sizes"
    );
    let mut dz_1 = vec![0.0f64; rows * hidden];
    let (mut dw_2, mut db_1) = (vec![0.0f64; classes * hidden], vec![0.0f64; hidden]);
    if rows == 0 || hidden == 0 || classes == 0 {
        return (dz_1, dw_2, db_1);
    }
    // The parts of matmul(&dz_2.t(), &a_1), so that dW₂ is the same to the bit.
    let parts = parts(rows);
    let mut chunks = Vec::with_capacity(parts.len());
    let mut rest = dz_1.as_mut_slice();
    for r in &parts {
        let (chunk, tail) = rest.split_at_mut(r.len() * hidden);
        chunks.push((r.clone(), chunk));
        rest = tail;
    }
    let partials: Vec<(Vec<f64>, Vec<f64>)> = chunks
        .into_par_iter()
        .map(|(r, d1)| {
            let (mut dw, mut db) = (vec![0.0f64; classes * hidden], vec![0.0f64; hidden]);
            gradient_task(
                d1,
                &mut dw,
                &mut db,
                &dz_2[r.start * classes..r.end * classes],
                &a_1[r.start * hidden..r.end * hidden],
                w_1,
                hidden,
                classes,
            );
            (dw, db)
        })
        .collect();
    for (dw, db) in &partials {
        for (t, v) in dw_2.iter_mut().zip(dw) {
            *t += v;
        }
        for (t, v) in db_1.iter_mut().zip(db) {
            *t += v;
        }
    }
    (dz_1, dw_2, db_1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::product;
    use crate::{NumpyRng, randn};
    use ndarray::{Array1, Array2, Axis};

    fn random(rows: usize, cols: usize, seed: u32) -> Array2<f64> {
        randn((rows, cols), &mut NumpyRng::seed(seed))
    }

    #[test]
    fn hidden_layer_is_the_step_by_step_code() {
        // big enough for matmul's own kernels (not ndarray's small product)
        let (rows, hidden, classes) = (701, 300, 10);
        let z = random(rows, hidden, 1);
        let (b_0, w_1, b_1) = (
            random(1, hidden, 2),
            random(classes, hidden, 3),
            random(1, classes, 4),
        );
        let mut z_1 = z.clone();
        let (a_1, z_2) = hidden_layer(
            z_1.as_slice_mut().unwrap(),
            b_0.as_slice().unwrap(),
            w_1.as_slice().unwrap(),
            b_1.as_slice().unwrap(),
            (rows, hidden, classes),
        );
        let z_expected = &z + &b_0.row(0);
        assert_eq!(z_1, z_expected);
        let a_1 = Array2::from_shape_vec((rows, hidden), a_1).unwrap();
        let a_expected = z_expected.mapv(|v| 1.0 / (1.0 + (-v).exp()));
        for (f, e) in a_1.iter().zip(&a_expected) {
            assert!((f - e).abs() <= 4.0 * f64::EPSILON * e, "{f} vs {e}");
        }
        // z_2 from this a_1: the same sums as matmul, to the bit
        let z_2_expected = product(&a_1, &w_1.t()) + b_1.row(0);
        assert_eq!(
            Array2::from_shape_vec((rows, classes), z_2).unwrap(),
            z_2_expected
        );
    }

    #[test]
    fn hidden_gradients_are_the_step_by_step_code() {
        let (rows, hidden, classes) = (1203, 300, 10);
        let dz_2 = random(rows, classes, 5);
        let a_1 = random(rows, hidden, 6).mapv(|v| 1.0 / (1.0 + (-v).exp()));
        let w_1 = random(classes, hidden, 7);
        let (dz_1, dw_2, db_1) = hidden_gradients(
            dz_2.as_slice().unwrap(),
            a_1.as_slice().unwrap(),
            w_1.as_slice().unwrap(),
            (rows, hidden, classes),
        );
        let dz_1_expected = product(&dz_2, &w_1) * &a_1.mapv(|a| a * (1.0 - a));
        let dz_1 = Array2::from_shape_vec((rows, hidden), dz_1).unwrap();
        assert_eq!(dz_1, dz_1_expected);
        let dw_2 = Array2::from_shape_vec((classes, hidden), dw_2).unwrap();
        assert_eq!(dw_2, product(&dz_2.t(), &a_1));
        // db_1 sums in another order: equal up to rounding
        let db_1_expected: Array1<f64> = dz_1_expected.sum_axis(Axis(0));
        for (f, e) in db_1.iter().zip(&db_1_expected) {
            assert!((f - e).abs() <= 1e-12 * e.abs().max(1.0), "{f} vs {e}");
        }
    }
}
