//! `out[c] = a · W[c]` for one row `a` and the few rows of W (the 10
//! classes): the second layer's product, row by row, as `a_1 · w[1]ᵀ` needs
//! it (in `matmul` for the students' `forward_pass`, and in the fused pass).
//!
//! Idea: one `dot` at a time waits on its own additions (each of its eight
//! partial sums depends on the previous one) and, left to the compiler, ran
//! two values per instruction even on AVX-512 (seen in the disassembly).
//! Here five rows of W share one pass over `a`, each with its eight partial
//! sums in one vector register (two on AVX2), so five independent chains
//! keep the vector unit busy. Every entry is summed exactly as
//! `vector::dot` sums it (the same products, partial sums and
//! final tree; no fused multiply-add), so no bit changes (tested below).
//! Measured on the Intel Xeon (AVX-512) with `cargo bench -p erstes_netz
//! --bench kernels -- thin`: lesson 1's `a_1 · w[1]ᵀ` (8,000 × 200 times
//! 200 × 10) 2.39 → 0.87 ms (median); the notebook's epoch 98.5 → 90.8 ms
//! (README, "Geschwindigkeit").

/// `out[c] = a · w[c·k .. (c+1)·k]` with k = a.len(); w holds out.len() rows.
pub(super) type RowDots = fn(out: &mut [f64], a: &[f64], w: &[f64]);

/// Rows of W per pass over `a`.
const GROUP: usize = 5;

/// Runs `$group::<G>(out, a, w)` for each group of up to [`GROUP`] values of
/// `out` and its rows of `w` (G: the group's size, a constant per call).
macro_rules! in_groups {
    ($group:ident, $out:expr, $a:expr, $w:expr) => {{
        let (out, a, w): (&mut [f64], &[f64], &[f64]) = ($out, $a, $w);
        let k = a.len();
        if k == 0 {
            return out.fill(0.0); // dot of two empty rows
        }
        for (out, w) in out.chunks_mut(GROUP).zip(w.chunks(GROUP * k)) {
            match out.len() {
                5 => $group::<5>(out, a, w),
                4 => $group::<4>(out, a, w),
                3 => $group::<3>(out, a, w),
                2 => $group::<2>(out, a, w),
                _ => $group::<1>(out, a, w),
            }
        }
    }};
}

/// The fastest [`RowDots`] for this CPU.
pub(super) fn row_dots_for_cpu() -> RowDots {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            return |out, a, w| {
                check(out, a, w);
                // SAFETY: the CPU has AVX-512F (checked when this was chosen);
                // the sizes fit (checked just above).
                unsafe { x86::row_dots_avx512(out, a, w) }
            };
        }
        if is_x86_feature_detected!("avx2") {
            return |out, a, w| {
                check(out, a, w);
                // SAFETY: the CPU has AVX2 (checked when this was chosen);
                // the sizes fit (checked just above).
                unsafe { x86::row_dots_avx2(out, a, w) }
            };
        }
    }
    portable
}

fn check(out: &[f64], a: &[f64], w: &[f64]) {
    assert_eq!(
        w.len(),
        out.len() * a.len(),
        "one row of w per output value"
    );
}

/// The same sums in plain Rust, for every CPU.
pub(super) fn portable(out: &mut [f64], a: &[f64], w: &[f64]) {
    check(out, a, w);
    in_groups!(group, out, a, w);
}

/// `dot`'s final step: its eight partial sums added as a tree.
#[inline(always)]
fn tree(s: &[f64; 8]) -> f64 {
    ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
}

/// `dot`'s tail: the last k mod 8 products added one by one.
#[inline(always)]
fn tail(mut sum: f64, a: &[f64], w: &[f64]) -> f64 {
    for (x, y) in a.iter().zip(w) {
        sum += x * y;
    }
    sum
}

#[inline(always)]
fn group<const G: usize>(out: &mut [f64], a: &[f64], w: &[f64]) {
    let k = a.len();
    let full = k / 8 * 8;
    let mut acc = [[0.0f64; 8]; G];
    for i in (0..full).step_by(8) {
        for (g, acc) in acc.iter_mut().enumerate() {
            for l in 0..8 {
                acc[l] += a[i + l] * w[g * k + i + l];
            }
        }
    }
    for (g, acc) in acc.iter().enumerate() {
        out[g] = tail(tree(acc), &a[full..], &w[g * k + full..(g + 1) * k]);
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{GROUP, tail, tree};

    /// # Safety
    /// The CPU has AVX-512F; `w.len() == out.len() * a.len()`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn row_dots_avx512(out: &mut [f64], a: &[f64], w: &[f64]) {
        // SAFETY: each group of w holds its group's rows of a.len() values.
        unsafe { in_groups!(group512, out, a, w) }
    }

    /// # Safety
    /// `out.len() == G` and `w.len() == G * a.len()`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn group512<const G: usize>(out: &mut [f64], a: &[f64], w: &[f64]) {
        let k = a.len();
        let full = k / 8 * 8;
        let (pa, pw) = (a.as_ptr(), w.as_ptr());
        let mut acc = [_mm512_setzero_pd(); G];
        for i in (0..full).step_by(8) {
            // SAFETY: i + 8 ≤ full ≤ k, and row g of w spans g·k .. (g+1)·k.
            let x = unsafe { _mm512_loadu_pd(pa.add(i)) };
            for (g, acc) in acc.iter_mut().enumerate() {
                let y = unsafe { _mm512_loadu_pd(pw.add(g * k + i)) };
                *acc = _mm512_add_pd(*acc, _mm512_mul_pd(x, y));
            }
        }
        for (g, acc) in acc.iter().enumerate() {
            let mut s = [0.0f64; 8];
            // SAFETY: s holds eight values.
            unsafe { _mm512_storeu_pd(s.as_mut_ptr(), *acc) };
            out[g] = tail(tree(&s), &a[full..], &w[g * k + full..(g + 1) * k]);
        }
    }

    /// # Safety
    /// The CPU has AVX2; `w.len() == out.len() * a.len()`.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn row_dots_avx2(out: &mut [f64], a: &[f64], w: &[f64]) {
        // SAFETY: each group of w holds its group's rows of a.len() values.
        unsafe { in_groups!(group256, out, a, w) }
    }

    /// The eight partial sums of a row in two registers: values 0–3 and 4–7.
    ///
    /// # Safety
    /// `out.len() == G` and `w.len() == G * a.len()`.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn group256<const G: usize>(out: &mut [f64], a: &[f64], w: &[f64]) {
        let k = a.len();
        let full = k / 8 * 8;
        let (pa, pw) = (a.as_ptr(), w.as_ptr());
        let mut lo = [_mm256_setzero_pd(); G];
        let mut hi = [_mm256_setzero_pd(); G];
        for i in (0..full).step_by(8) {
            // SAFETY: i + 8 ≤ full ≤ k, and row g of w spans g·k .. (g+1)·k.
            let (x0, x1) = unsafe { (_mm256_loadu_pd(pa.add(i)), _mm256_loadu_pd(pa.add(i + 4))) };
            for g in 0..G {
                let (y0, y1) = unsafe {
                    let p = pw.add(g * k + i);
                    (_mm256_loadu_pd(p), _mm256_loadu_pd(p.add(4)))
                };
                lo[g] = _mm256_add_pd(lo[g], _mm256_mul_pd(x0, y0));
                hi[g] = _mm256_add_pd(hi[g], _mm256_mul_pd(x1, y1));
            }
        }
        for g in 0..G {
            let mut s = [0.0f64; 8];
            // SAFETY: s holds eight values, four from each register.
            unsafe {
                _mm256_storeu_pd(s.as_mut_ptr(), lo[g]);
                _mm256_storeu_pd(s.as_mut_ptr().add(4), hi[g]);
            }
            out[g] = tail(tree(&s), &a[full..], &w[g * k + full..(g + 1) * k]);
        }
    }
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

    /// Every implementation this CPU can run.
    fn implementations() -> Vec<(&'static str, RowDots)> {
        let mut all: Vec<(&'static str, RowDots)> = vec![("portable", portable)];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") {
                all.push(("avx512", |out, a, w| {
                    check(out, a, w);
                    // SAFETY: checked just above.
                    unsafe { x86::row_dots_avx512(out, a, w) }
                }));
            }
            if is_x86_feature_detected!("avx2") {
                all.push(("avx2", |out, a, w| {
                    check(out, a, w);
                    // SAFETY: checked just above.
                    unsafe { x86::row_dots_avx2(out, a, w) }
                }));
            }
        }
        all
    }

    /// Up to 16 rows of W, lengths around the eight-value chunks: each value
    /// has the bits of one `dot`.
    #[test]
    fn every_value_has_the_bits_of_dot() {
        for (name, row_dots) in implementations() {
            for rows in 1..=16 {
                for k in [0, 1, 7, 8, 9, 16, 200, 203] {
                    let (a, w) = (random(1, k, rows as u32), random(rows, k, 100 + k as u32));
                    let mut out = vec![f64::NAN; rows];
                    row_dots(&mut out, &a, &w);
                    for (c, &v) in out.iter().enumerate() {
                        let expected = dot(&a, &w[c * k..(c + 1) * k]);
                        assert_eq!(
                            v.to_bits(),
                            expected.to_bits(),
                            "{name}: {rows} rows, k {k}, value {c}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_chosen_implementation_is_one_of_them() {
        let (a, w) = (random(1, 203, 1), random(10, 203, 2));
        let (mut found, mut expected) = (vec![0.0; 10], vec![0.0; 10]);
        row_dots_for_cpu()(&mut found, &a, &w);
        portable(&mut expected, &a, &w);
        assert_eq!(found, expected);
    }

    #[test]
    #[should_panic(expected = "one row of w per output value")]
    fn sizes_that_do_not_fit_are_refused() {
        row_dots_for_cpu()(&mut [0.0; 3], &[1.0; 4], &[1.0; 8]);
    }
}
