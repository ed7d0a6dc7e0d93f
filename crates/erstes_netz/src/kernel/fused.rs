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

use super::row_dots::{RowDots, row_dots_for_cpu};
use super::sigmoid::{Sigmoid, sigmoid_for_cpu};
use super::thin::parts;
use super::vector::axpy;

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
    row_dots: RowDots,
) {
    let in_place = a_1.is_empty();
    for (i, (z, z2)) in z_1
        .chunks_exact_mut(hidden)
        .zip(z_2.chunks_exact_mut(classes))
        .enumerate()
    {
        for (z, b) in z.iter_mut().zip(b_0) {
            *z += b;
        }
        let a = if in_place {
            z
        } else {
            let a = &mut a_1[i * hidden..(i + 1) * hidden];
            a.copy_from_slice(z);
            a
        };
        sigmoid(a);
        row_dots(z2, a, w_1);
        for (o, b) in z2.iter_mut().zip(b_1) {
            *o += b;
        }
    }
}

widest!(fn hidden_task(z_1: &mut [f64], a_1: &mut [f64], z_2: &mut [f64], b_0: &[f64], w_1: &[f64], b_1: &[f64], hidden: usize, classes: usize, sigmoid: Sigmoid, row_dots: RowDots) => hidden_rows);

/// In one pass over the images: z₁ += b₀, a₁ = σ(z₁), z₂ = a₁·W₁ᵀ + b₁.
/// `z_1` is rows × hidden, `w_1` classes × hidden (all row-major). With
/// `a_1 = Some(buffer)` (rows × hidden) a₁ goes there; with `None` it
/// replaces z₁ in `z_1` (no second array of that size). Returns z₂.
pub(crate) fn hidden_layer(
    z_1: &mut [f64],
    a_1: Option<&mut [f64]>,
    b_0: &[f64],
    w_1: &[f64],
    b_1: &[f64],
    (rows, hidden, classes): (usize, usize, usize),
) -> Vec<f64> {
    assert!(
        z_1.len() == rows * hidden
            && a_1.as_ref().is_none_or(|a| a.len() == rows * hidden)
            && b_0.len() == hidden
            && w_1.len() == classes * hidden
            && b_1.len() == classes,
        "layer sizes"
    );
    let mut z_2 = vec![0.0f64; rows * classes];
    if hidden == 0 || classes == 0 {
        return z_2;
    }
    let (sigmoid, row_dots) = (sigmoid_for_cpu(), row_dots_for_cpu());
    let task = |((z, a), z2): ((&mut [f64], &mut [f64]), &mut [f64])| {
        hidden_task(z, a, z2, b_0, w_1, b_1, hidden, classes, sigmoid, row_dots)
    };
    let (z_1, z_2_chunks) = (
        z_1.par_chunks_mut(ROWS_PER_TASK * hidden),
        z_2.par_chunks_mut(ROWS_PER_TASK * classes),
    );
    match a_1 {
        Some(a_1) => z_1
            .zip(a_1.par_chunks_mut(ROWS_PER_TASK * hidden))
            .zip(z_2_chunks)
            .for_each(task),
        None => z_1.map(|z| (z, &mut [][..])).zip(z_2_chunks).for_each(task),
    }
    z_2
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gradient_rows(
    buf: &mut [f64],
    a_1: &[f64],
    dw_2: &mut [f64],
    db_1: &mut [f64],
    dz_2: &[f64],
    w_1: &[f64],
    hidden: usize,
    classes: usize,
) {
    let mut d1 = vec![0.0f64; hidden];
    for (i, (row, d2)) in buf
        .chunks_exact_mut(hidden)
        .zip(dz_2.chunks_exact(classes))
        .enumerate()
    {
        if !a_1.is_empty() {
            row.copy_from_slice(&a_1[i * hidden..(i + 1) * hidden]);
        }
        // row holds a₁ of this image until dZ₁ replaces it.
        for (&v, dw) in d2.iter().zip(dw_2.chunks_exact_mut(hidden)) {
            axpy(dw, v, row);
        }
        d1.fill(0.0);
        for (&v, w) in d2.iter().zip(w_1.chunks_exact(hidden)) {
            axpy(&mut d1, v, w);
        }
        for ((d, a), s) in d1.iter_mut().zip(row.iter_mut()).zip(db_1.iter_mut()) {
            *d *= *a * (1.0 - *a);
            *a = *d;
            *s += *d;
        }
    }
}

widest!(fn gradient_task(buf: &mut [f64], a_1: &[f64], dw_2: &mut [f64], db_1: &mut [f64], dz_2: &[f64], w_1: &[f64], hidden: usize, classes: usize) => gradient_rows);

/// In one pass over the images: dZ₁ = (dZ₂·W₁) ⊙ a₁ ⊙ (1 − a₁), dZ₂ᵀ·a₁ and
/// Σᵢ dZ₁ (both not yet divided by n). `dz_2` is rows × classes, `w_1`
/// classes × hidden. `buf` (rows × hidden) receives dZ₁; it holds a₁ on
/// entry when `a_1` is empty (then a₁ is overwritten, no second array of
/// that size), otherwise a₁ is read from `a_1`. Returns (dZ₂ᵀ·a₁, Σᵢ dZ₁).
pub(crate) fn hidden_gradients(
    buf: &mut [f64],
    a_1: &[f64],
    dz_2: &[f64],
    w_1: &[f64],
    (rows, hidden, classes): (usize, usize, usize),
) -> (Vec<f64>, Vec<f64>) {
    assert!(
        dz_2.len() == rows * classes
            && buf.len() == rows * hidden
            && (a_1.is_empty() || a_1.len() == rows * hidden)
            && w_1.len() == classes * hidden,
        "layer sizes"
    );
    let (mut dw_2, mut db_1) = (vec![0.0f64; classes * hidden], vec![0.0f64; hidden]);
    if rows == 0 || hidden == 0 || classes == 0 {
        return (dw_2, db_1);
    }
    // The parts of matmul(&dz_2.t(), &a_1), so that dW₂ is the same to the bit.
    let parts = parts(rows);
    let mut chunks = Vec::with_capacity(parts.len());
    let mut rest = buf;
    for r in &parts {
        let (chunk, tail) = rest.split_at_mut(r.len() * hidden);
        chunks.push((r.clone(), chunk));
        rest = tail;
    }
    let partials: Vec<(Vec<f64>, Vec<f64>)> = chunks
        .into_par_iter()
        .map(|(r, chunk)| {
            let (mut dw, mut db) = (vec![0.0f64; classes * hidden], vec![0.0f64; hidden]);
            let a = if a_1.is_empty() {
                a_1
            } else {
                &a_1[r.start * hidden..r.end * hidden]
            };
            gradient_task(
                chunk,
                a,
                &mut dw,
                &mut db,
                &dz_2[r.start * classes..r.end * classes],
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
    (dw_2, db_1)
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
        let layer = |z_1: &mut Array2<f64>, a_1: Option<&mut [f64]>| {
            hidden_layer(
                z_1.as_slice_mut().unwrap(),
                a_1,
                b_0.as_slice().unwrap(),
                w_1.as_slice().unwrap(),
                b_1.as_slice().unwrap(),
                (rows, hidden, classes),
            )
        };
        let mut z_1 = z.clone();
        let mut a_1 = Array2::<f64>::zeros((rows, hidden));
        let z_2 = layer(&mut z_1, Some(a_1.as_slice_mut().unwrap()));
        let z_expected = &z + &b_0.row(0);
        assert_eq!(z_1, z_expected);
        let a_expected = z_expected.mapv(|v| 1.0 / (1.0 + (-v).exp()));
        for (f, e) in a_1.iter().zip(&a_expected) {
            assert!((f - e).abs() <= 4.0 * f64::EPSILON * e, "{f} vs {e}");
        }
        // z_2 from this a_1: the same sums as matmul, to the bit
        let z_2_expected = product(&a_1, &w_1.t()) + b_1.row(0);
        assert_eq!(
            Array2::from_shape_vec((rows, classes), z_2.clone()).unwrap(),
            z_2_expected
        );
        // in place: a_1 replaces z_1, same numbers
        let mut in_place = z.clone();
        assert_eq!(layer(&mut in_place, None), z_2);
        assert_eq!(in_place, a_1);
    }

    #[test]
    fn hidden_gradients_are_the_step_by_step_code() {
        let (rows, hidden, classes) = (1203, 300, 10);
        let dz_2 = random(rows, classes, 5);
        let a_1 = random(rows, hidden, 6).mapv(|v| 1.0 / (1.0 + (-v).exp()));
        let w_1 = random(classes, hidden, 7);
        let gradients = |buf: &mut Array2<f64>, a: &[f64]| {
            hidden_gradients(
                buf.as_slice_mut().unwrap(),
                a,
                dz_2.as_slice().unwrap(),
                w_1.as_slice().unwrap(),
                (rows, hidden, classes),
            )
        };
        let mut dz_1 = Array2::<f64>::zeros((rows, hidden));
        let (dw_2, db_1) = gradients(&mut dz_1, a_1.as_slice().unwrap());
        let dz_1_expected = product(&dz_2, &w_1) * &a_1.mapv(|a| a * (1.0 - a));
        assert_eq!(dz_1, dz_1_expected);
        let dw_2_array = Array2::from_shape_vec((classes, hidden), dw_2.clone()).unwrap();
        assert_eq!(dw_2_array, product(&dz_2.t(), &a_1));
        // db_1 sums in another order: equal up to rounding
        let db_1_expected: Array1<f64> = dz_1_expected.sum_axis(Axis(0));
        for (f, e) in db_1.iter().zip(&db_1_expected) {
            assert!((f - e).abs() <= 1e-12 * e.abs().max(1.0), "{f} vs {e}");
        }
        // in place: a_1 becomes dz_1, same numbers
        let mut in_place = a_1.clone();
        assert_eq!(gradients(&mut in_place, &[]), (dw_2, db_1));
        assert_eq!(in_place, dz_1);
    }
}
