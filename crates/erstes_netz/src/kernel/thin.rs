//! Products with one small dimension, as the second layer has (10 classes):
//! `a_1 · w[1]ᵀ` (few columns), `dz_2 · w[1]` (short inner dimension) and
//! `dz_2ᵀ · a_1` (few rows). They move far more bytes than they compute, so
//! the point is to read the big factor once, on all cores, without the
//! packing copies a general product makes (measured before, with ndarray's
//! product: 27, 24 and 98 ms per epoch at 60,000 images; see the README).

use rayon::prelude::*;

use super::row_dots::row_dots_for_cpu;
use super::vector::axpy;
use super::zeroed_in_parts;

/// A dimension up to this size counts as small.
pub(super) const THIN: usize = 16;
/// Output rows per task in the row-parallel products.
const ROWS_PER_TASK: usize = 512;
/// Fixed parts of the long inner dimension of `few_rows`, summed in a fixed
/// order, so the result does not depend on the number of cores.
pub(super) const PARTS: usize = 16;

widest!(fn short_task(c: &mut [f64], a: &[f64], b: &[f64], k: usize, n: usize) => short_rows);
widest!(fn outer_task(c: &mut [f64], a_t: &[f64], b: &[f64], m: usize, n: usize) => outer_sums);

/// C (m × n) = A (m × k) · B for n ≤ THIN, with Bᵀ (n × k) given: C[i, c] = A[i, :] · Bᵀ[c, :].
pub(super) fn few_columns(a: &[f64], b_t: &[f64], (m, k, n): (usize, usize, usize)) -> Vec<f64> {
    assert!(a.len() == m * k && b_t.len() == n * k, "factor sizes");
    let mut c = super::zeroed(m * n);
    if n == 0 || k == 0 {
        return c;
    }
    let row_dots = row_dots_for_cpu();
    c.par_chunks_mut(ROWS_PER_TASK * n)
        .zip(a.par_chunks(ROWS_PER_TASK * k))
        .for_each(|(c, a)| {
            for (c_row, a_row) in c.chunks_exact_mut(n).zip(a.chunks_exact(k)) {
                row_dots(c_row, a_row, b_t);
            }
        });
    c
}

/// Output values of one row that `short_rows` keeps in registers while it
/// adds up the k products: four AVX-512 registers, eight AVX2 ones.
const BLOCK: usize = 32;

/// Rows of C (zeros on entry) = rows of A · B. Each block of [`BLOCK`] values
/// is summed in registers over q = 0..k and written once, instead of adding
/// k rows of B to the row of C in memory one after another. Every value gets
/// the same additions in the same order (starting from +0.0), so the same
/// bits. Measured on the Intel Xeon (AVX-512): `dz_2 · w[1]` (8,000 × 10
/// times 10 × 200) 1.60 → 0.74 ms in `cargo bench -p erstes_netz --bench
/// kernels -- thin`, and (10 × 300, as in lesson 1's training cells)
/// 3.2–4.3 → 1.5–2.7 ms as a step of the notebook's epoch (README,
/// "Wartezeiten im Notebook"); the epoch as a whole, bound by memory, did
/// not get measurably faster.
#[inline(always)]
fn short_rows(c: &mut [f64], a: &[f64], b: &[f64], k: usize, n: usize) {
    for (c_row, a_row) in c.chunks_exact_mut(n).zip(a.chunks_exact(k)) {
        let mut blocks = c_row.chunks_exact_mut(BLOCK);
        for (j, c_block) in blocks.by_ref().enumerate() {
            let mut acc = [0.0f64; BLOCK];
            for (q, &v) in a_row.iter().enumerate() {
                let b_block = &b[q * n + j * BLOCK..][..BLOCK];
                for (s, &r) in acc.iter_mut().zip(b_block) {
                    *s += v * r;
                }
            }
            c_block.copy_from_slice(&acc);
        }
        let tail = blocks.into_remainder();
        let start = n - tail.len();
        for (&v, b_row) in a_row.iter().zip(b.chunks_exact(n)) {
            axpy(tail, v, &b_row[start..]);
        }
    }
}

/// C (m × n) = A (m × k) · B (k × n) for k ≤ THIN: C[i, :] = Σ_q A[i, q] · B[q, :].
pub(super) fn short_inner(a: &[f64], b: &[f64], (m, k, n): (usize, usize, usize)) -> Vec<f64> {
    assert!(a.len() == m * k && b.len() == k * n, "factor sizes");
    if n == 0 || k == 0 {
        return super::zeroed(m * n);
    }
    // Each task clears its rows of C just before it fills them (in its
    // cache), rather than calloc clearing the whole of C first.
    zeroed_in_parts(m * n, ROWS_PER_TASK * n, |t, c| {
        let a = &a[t * ROWS_PER_TASK * k..][..c.len() / n * k];
        short_task(c, a, b, k, n);
    })
}

#[inline(always)]
fn outer_sums(c: &mut [f64], a_t: &[f64], b: &[f64], m: usize, n: usize) {
    for (a_row, b_row) in a_t.chunks_exact(m).zip(b.chunks_exact(n)) {
        for (&v, c_row) in a_row.iter().zip(c.chunks_exact_mut(n)) {
            axpy(c_row, v, b_row);
        }
    }
}

/// C (m × n) = A (m × k) · B (k × n) for m ≤ THIN and a long k, with Aᵀ
/// (k × m) given: C[q, :] = Σᵢ Aᵀ[i, q] · B[i, :].
pub(super) fn few_rows(a_t: &[f64], b: &[f64], (m, k, n): (usize, usize, usize)) -> Vec<f64> {
    assert!(a_t.len() == k * m && b.len() == k * n, "factor sizes");
    if m == 0 || n == 0 || k == 0 {
        return vec![0.0; m * n];
    }
    let partials: Vec<Vec<f64>> = parts(k)
        .into_par_iter()
        .map(|rows| {
            let mut c = vec![0.0f64; m * n];
            outer_task(
                &mut c,
                &a_t[rows.start * m..rows.end * m],
                &b[rows.start * n..rows.end * n],
                m,
                n,
            );
            c
        })
        .collect();
    let mut c = vec![0.0f64; m * n];
    for p in &partials {
        for (t, v) in c.iter_mut().zip(p) {
            *t += v;
        }
    }
    c
}

/// The fixed parts 0..k is summed in by [`few_rows`] (and the fused back_prop pass).
pub(super) fn parts(k: usize) -> Vec<std::ops::Range<usize>> {
    let part = k.div_ceil(PARTS).max(1);
    (0..k.div_ceil(part))
        .map(|p| p * part..((p + 1) * part).min(k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::vector::dot;
    use super::*;
    use crate::{NumpyRng, randn};
    use ndarray::Array2;

    fn random(rows: usize, cols: usize, seed: u32) -> Vec<f64> {
        let a: Array2<f64> = randn((rows, cols), &mut NumpyRng::seed(seed));
        a.into_raw_vec_and_offset().0
    }

    /// Rows of B added to the row of C one after another, as before the
    /// blocks: the order of additions every value must keep.
    fn short_inner_row_by_row(a: &[f64], b: &[f64], (m, k, n): (usize, usize, usize)) -> Vec<f64> {
        let mut c = vec![0.0f64; m * n];
        for (c_row, a_row) in c.chunks_exact_mut(n).zip(a.chunks_exact(k)) {
            for (&v, b_row) in a_row.iter().zip(b.chunks_exact(n)) {
                axpy(c_row, v, b_row);
            }
        }
        c
    }

    /// Widths below, at and around the block, more rows than one task, and
    /// zeros of both signs: the same bits as adding row after row.
    #[test]
    fn short_inner_gives_the_bits_of_row_by_row_sums() {
        for n in [1, 31, 32, 33, 64, 200, 300] {
            for k in [1, 2, 10, 16] {
                let m = ROWS_PER_TASK + 7;
                let mut a = random(m, k, (n * 31 + k) as u32);
                // -0.0 · positive is -0.0; from +0.0 the sum must stay +0.0
                a[0] = -0.0;
                a[k] = 0.0;
                let b = random(k, n, (n + 7 * k) as u32);
                let c = short_inner(&a, &b, (m, k, n));
                let expected = short_inner_row_by_row(&a, &b, (m, k, n));
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&c), bits(&expected), "n {n}, k {k}");
            }
        }
    }

    /// Every n up to THIN and inner lengths around the eight-value chunks:
    /// each entry has the bits of one `dot`, as before the columns were grouped.
    #[test]
    fn few_columns_gives_the_bits_of_one_dot_per_entry() {
        for n in 1..=THIN {
            for k in [1, 7, 8, 9, 200, 203] {
                let m = 600 + n;
                let (a, b_t) = (random(m, k, n as u32), random(n, k, 100 + k as u32));
                let c = few_columns(&a, &b_t, (m, k, n));
                for i in [0, 1, m / 2, m - 1] {
                    for col in 0..n {
                        let expected = dot(&a[i * k..(i + 1) * k], &b_t[col * k..(col + 1) * k]);
                        assert_eq!(
                            c[i * n + col].to_bits(),
                            expected.to_bits(),
                            "n {n}, k {k}, C[{i}, {col}]"
                        );
                    }
                }
            }
        }
    }
}
