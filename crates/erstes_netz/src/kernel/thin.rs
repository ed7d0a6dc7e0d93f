//! Products with one small dimension, as the second layer has (10 classes):
//! `a_1 · w[1]ᵀ` (few columns), `dz_2 · w[1]` (short inner dimension) and
//! `dz_2ᵀ · a_1` (few rows). They move far more bytes than they compute, so
//! the point is to read the big factor once, on all cores, without the
//! packing copies a general product makes (measured before, with ndarray's
//! product: 27, 24 and 98 ms per epoch at 60,000 images; see the README).

use rayon::prelude::*;

/// A dimension up to this size counts as small.
pub(super) const THIN: usize = 16;
/// Output rows per task in the row-parallel products.
const ROWS_PER_TASK: usize = 512;
/// Fixed parts of the long inner dimension of `few_rows`, summed in a fixed
/// order, so the result does not depend on the number of cores.
const PARTS: usize = 16;

/// `fn $name(args)` runs `$inner(args)` compiled for AVX-512, for AVX2 + FMA
/// or for the plain target, whichever this CPU has: the loops are written
/// plainly and vectorised by the compiler for the chosen unit.
macro_rules! widest {
    (fn $name:ident($($arg:ident: $ty:ty),*) => $inner:ident) => {
        fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn avx512($($arg: $ty),*) {
                    $inner($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) {
                    $inner($($arg),*)
                }
                if is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU has AVX-512F (checked just above).
                    return unsafe { avx512($($arg),*) };
                }
                if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU has AVX2 and FMA (checked just above).
                    return unsafe { avx2($($arg),*) };
                }
            }
            $inner($($arg),*)
        }
    };
}

widest!(fn narrow_task(c: &mut [f64], a: &[f64], b_t: &[f64], k: usize, n: usize) => narrow_rows);
widest!(fn short_task(c: &mut [f64], a: &[f64], b: &[f64], k: usize, n: usize) => short_rows);
widest!(fn outer_task(c: &mut [f64], a_t: &[f64], b: &[f64], m: usize, n: usize) => outer_sums);

/// Σ a[l] · b[l] with 8 partial sums, so the compiler can use vector registers.
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (a8.remainder(), b8.remainder());
    for (x, y) in a8.zip(b8) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        sum += x * y;
    }
    sum
}

/// out += v · row
#[inline(always)]
fn axpy(out: &mut [f64], v: f64, row: &[f64]) {
    for (o, r) in out.iter_mut().zip(row) {
        *o += v * r;
    }
}

#[inline(always)]
fn narrow_rows(c: &mut [f64], a: &[f64], b_t: &[f64], k: usize, n: usize) {
    for (c_row, a_row) in c.chunks_exact_mut(n).zip(a.chunks_exact(k)) {
        for (cv, b_row) in c_row.iter_mut().zip(b_t.chunks_exact(k)) {
            *cv = dot(a_row, b_row);
        }
    }
}

/// C (m × n) = A (m × k) · B for n ≤ THIN, with Bᵀ (n × k) given: C[i, c] = A[i, :] · Bᵀ[c, :].
pub(super) fn few_columns(a: &[f64], b_t: &[f64], (m, k, n): (usize, usize, usize)) -> Vec<f64> {
    assert!(a.len() == m * k && b_t.len() == n * k, "factor sizes");
    let mut c = vec![0.0f64; m * n];
    if n == 0 || k == 0 {
        return c;
    }
    c.par_chunks_mut(ROWS_PER_TASK * n)
        .zip(a.par_chunks(ROWS_PER_TASK * k))
        .for_each(|(c, a)| narrow_task(c, a, b_t, k, n));
    c
}

#[inline(always)]
fn short_rows(c: &mut [f64], a: &[f64], b: &[f64], k: usize, n: usize) {
    for (c_row, a_row) in c.chunks_exact_mut(n).zip(a.chunks_exact(k)) {
        for (&v, b_row) in a_row.iter().zip(b.chunks_exact(n)) {
            axpy(c_row, v, b_row);
        }
    }
}

/// C (m × n) = A (m × k) · B (k × n) for k ≤ THIN: C[i, :] = Σ_q A[i, q] · B[q, :].
pub(super) fn short_inner(a: &[f64], b: &[f64], (m, k, n): (usize, usize, usize)) -> Vec<f64> {
    assert!(a.len() == m * k && b.len() == k * n, "factor sizes");
    let mut c = vec![0.0f64; m * n];
    if n == 0 || k == 0 {
        return c;
    }
    c.par_chunks_mut(ROWS_PER_TASK * n)
        .zip(a.par_chunks(ROWS_PER_TASK * k))
        .for_each(|(c, a)| short_task(c, a, b, k, n));
    c
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
    let part = k.div_ceil(PARTS);
    let partials: Vec<Vec<f64>> = (0..k.div_ceil(part))
        .into_par_iter()
        .map(|p| {
            let (i0, i1) = (p * part, ((p + 1) * part).min(k));
            let mut c = vec![0.0f64; m * n];
            outer_task(&mut c, &a_t[i0 * m..i1 * m], &b[i0 * n..i1 * n], m, n);
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
