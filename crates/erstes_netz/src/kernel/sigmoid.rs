//! σ(z) = 1 / (1 + e⁻ᶻ) for a row of the hidden layer, eight values at a time.
//!
//! Idea: e^x = 2ⁿ · e^r with n = round(x / ln 2) and |r| ≤ ln 2 / 2; e^r is
//! its Taylor polynomial of degree 13 (truncation error below 1e-17
//! relative), 2ⁿ is applied exactly with `scalef`, which also gives ∞ and 0
//! beyond the range of f64. Results are within a few units in the last
//! place of glibc's `exp` (tested below); NaN stays NaN. It replaced one
//! scalar `exp` call per value, the costliest elementwise step of an epoch
//! (measured gain in the README's profile). CPUs with AVX2 but without
//! AVX-512 (most laptops) compute the same operations four values at a time,
//! with 2ⁿ built from its bits in two exact halves instead of `scalef`: the
//! results are bit for bit those of the AVX-512 version (tested). Other CPUs
//! use the scalar formula.

/// Replaces every value z of the slice by σ(z).
pub(super) type Sigmoid = fn(&mut [f64]);

/// The fastest σ for this CPU.
pub(super) fn sigmoid_for_cpu() -> Sigmoid {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            return |z| {
                // SAFETY: the CPU has AVX-512F (checked when this was chosen).
                unsafe { x86::sigmoid(z) }
            };
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return |z| {
                // SAFETY: the CPU has AVX2 and FMA (checked when this was chosen).
                unsafe { x86::sigmoid_avx2(z) }
            };
        }
    }
    scalar
}

/// The lesson's formula, one value at a time.
pub(super) fn scalar(z: &mut [f64]) {
    for z in z {
        *z = 1.0 / (1.0 + (-*z).exp());
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// 1/k! for k = 13 down to 0, Horner's order.
    pub(super) const TAYLOR: [f64; 14] = {
        let mut c = [1.0f64; 14];
        let mut k = 1;
        let mut f = 1.0;
        while k < 14 {
            f *= k as f64;
            c[13 - k] = 1.0 / f;
            k += 1;
        }
        c
    };
    /// ln 2 split so that n · LN2_HI is exact for |n| < 2¹¹ (as in fdlibm).
    pub(super) const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    pub(super) const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);

    /// e^x for eight values.
    #[target_feature(enable = "avx512f")]
    fn exp(x: __m512d) -> __m512d {
        // Beyond ±750 the result is 0 or ∞ anyway; max/min return x itself when it is NaN.
        let x = _mm512_min_pd(
            _mm512_set1_pd(750.0),
            _mm512_max_pd(_mm512_set1_pd(-750.0), x),
        );
        let n = _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm512_mul_pd(x, _mm512_set1_pd(std::f64::consts::LOG2_E)),
        );
        let r = _mm512_fnmadd_pd(n, _mm512_set1_pd(LN2_HI), x);
        let r = _mm512_fnmadd_pd(n, _mm512_set1_pd(LN2_LO), r);
        let mut p = _mm512_set1_pd(TAYLOR[0]);
        for &c in &TAYLOR[1..] {
            p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c));
        }
        _mm512_scalef_pd(p, n)
    }

    /// σ(z) = 1 / (1 + e⁻ᶻ) for eight values.
    #[target_feature(enable = "avx512f")]
    fn sigmoid8(z: __m512d) -> __m512d {
        let one = _mm512_set1_pd(1.0);
        let e = exp(_mm512_sub_pd(_mm512_setzero_pd(), z));
        _mm512_div_pd(one, _mm512_add_pd(one, e))
    }

    /// # Safety
    /// The CPU has AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn sigmoid(z: &mut [f64]) {
        let full = z.len() / 8 * 8;
        let p = z.as_mut_ptr();
        for i in (0..full).step_by(8) {
            // SAFETY: i + 8 ≤ full ≤ z.len().
            unsafe { _mm512_storeu_pd(p.add(i), sigmoid8(_mm512_loadu_pd(p.add(i)))) };
        }
        let rest = z.len() - full;
        if rest > 0 {
            let mask = (1u8 << rest) - 1;
            // SAFETY: the mask selects the `rest` values from `full` on, all within z.
            unsafe {
                let v = _mm512_maskz_loadu_pd(mask, p.add(full));
                _mm512_mask_storeu_pd(p.add(full), mask, sigmoid8(v));
            }
        }
    }

    /// e^x for four values: the operations of [`exp`], with 2ⁿ applied as
    /// 2^⌊n/2⌋ · 2^(n−⌊n/2⌋). Each factor is a normal f64 built from its
    /// exponent bits (|n| ≤ 1083), the first product is exact, so only the
    /// second rounds, as `scalef` does once.
    #[target_feature(enable = "avx2,fma")]
    fn exp4(x: __m256d) -> __m256d {
        let x = _mm256_min_pd(
            _mm256_set1_pd(750.0),
            _mm256_max_pd(_mm256_set1_pd(-750.0), x),
        );
        let n = _mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm256_mul_pd(x, _mm256_set1_pd(std::f64::consts::LOG2_E)),
        );
        let r = _mm256_fnmadd_pd(n, _mm256_set1_pd(LN2_HI), x);
        let r = _mm256_fnmadd_pd(n, _mm256_set1_pd(LN2_LO), r);
        let mut p = _mm256_set1_pd(TAYLOR[0]);
        for &c in &TAYLOR[1..] {
            p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c));
        }
        let n1 = _mm256_floor_pd(_mm256_mul_pd(n, _mm256_set1_pd(0.5)));
        let n2 = _mm256_sub_pd(n, n1);
        _mm256_mul_pd(_mm256_mul_pd(p, pow2(n1)), pow2(n2))
    }

    /// 2ⁿ for integral n with |n| ≤ 1022 (NaN gives some finite value).
    #[target_feature(enable = "avx2")]
    fn pow2(n: __m256d) -> __m256d {
        // n + 1023 + 1.5 · 2⁵² holds n + 1023 in its low mantissa bits;
        // shifting left by 52 drops everything above them.
        const MAGIC: f64 = 6_755_399_441_055_744.0 + 1023.0;
        let biased = _mm256_castpd_si256(_mm256_add_pd(n, _mm256_set1_pd(MAGIC)));
        _mm256_castsi256_pd(_mm256_slli_epi64::<52>(biased))
    }

    /// σ(z) = 1 / (1 + e⁻ᶻ) for four values.
    #[target_feature(enable = "avx2,fma")]
    fn sigmoid4(z: __m256d) -> __m256d {
        let one = _mm256_set1_pd(1.0);
        let e = exp4(_mm256_sub_pd(_mm256_setzero_pd(), z));
        _mm256_div_pd(one, _mm256_add_pd(one, e))
    }

    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn sigmoid_avx2(z: &mut [f64]) {
        let mut chunks = z.chunks_exact_mut(4);
        for c in &mut chunks {
            // SAFETY: c has 4 values.
            unsafe { _mm256_storeu_pd(c.as_mut_ptr(), sigmoid4(_mm256_loadu_pd(c.as_ptr()))) };
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            let mut v = [0.0f64; 4];
            v[..rest.len()].copy_from_slice(rest);
            // SAFETY: v has 4 values.
            unsafe { _mm256_storeu_pd(v.as_mut_ptr(), sigmoid4(_mm256_loadu_pd(v.as_ptr()))) };
            rest.copy_from_slice(&v[..rest.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Vec<f64> {
        let mut z = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            1e-300,
            -1e-300,
            36.0,
            -36.0,
            37.5,
            700.0,
            -700.0,
            708.9,
            -708.9,
            709.0,
            -709.0,
            709.8,
            -709.8,
            745.2,
            -745.2,
            800.0,
            -800.0,
            1e10,
            -1e10,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        // many ordinary values, and a length that is not a multiple of 8
        z.extend((0..20_003).map(|i| (i as f64 - 10_000.0) * 0.0037));
        z
    }

    #[test]
    fn agrees_with_the_lesson_formula_to_a_few_units_in_the_last_place() {
        let z = inputs();
        let (mut fast, mut plain) = (z.clone(), z.clone());
        sigmoid_for_cpu()(&mut fast);
        scalar(&mut plain);
        for ((&f, &p), &z) in fast.iter().zip(&plain).zip(&z) {
            let close = (f - p).abs() <= 4.0 * f64::EPSILON * p.abs() || (f - p).abs() < 1e-300;
            assert!(close, "σ({z}) = {f}, expected {p}");
            assert!((0.0..=1.0).contains(&f), "σ({z}) = {f}");
        }
        // the saturated ends are exact
        assert_eq!((fast[19], fast[20]), (1.0, 0.0));
        assert_eq!((fast[25], fast[26]), (1.0, 0.0));
    }

    /// The vector σ's steps one value at a time (`mul_add` is the FMA).
    #[cfg(target_arch = "x86_64")]
    fn same_steps(z: f64) -> f64 {
        let x = (-z).clamp(-750.0, 750.0);
        let n = (x * std::f64::consts::LOG2_E).round_ties_even();
        let r = (-n).mul_add(x86::LN2_HI, x);
        let r = (-n).mul_add(x86::LN2_LO, r);
        let p = x86::TAYLOR[1..]
            .iter()
            .fold(x86::TAYLOR[0], |p, &c| p.mul_add(r, c));
        let pow2 = |k: f64| f64::from_bits(((k as i64 + 1023) as u64) << 52);
        let n1 = (n * 0.5).floor();
        1.0 / (1.0 + p * pow2(n1) * pow2(n - n1))
    }

    /// AVX-512 (with `scalef`) and AVX2 (with two halves of 2ⁿ) give the
    /// bits of the same steps in scalar code, so a network trains alike on both.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn vector_versions_give_the_bits_of_the_same_steps() {
        let z: Vec<f64> = inputs().into_iter().filter(|z| z.is_finite()).collect();
        let expected: Vec<u64> = z.iter().map(|&z| same_steps(z).to_bits()).collect();
        let mut checked = 0;
        if is_x86_feature_detected!("avx512f") {
            let mut a = z.clone();
            // SAFETY: the CPU has AVX-512F (checked just above).
            unsafe { x86::sigmoid(&mut a) };
            assert_eq!(a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), expected);
            checked += 1;
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            let mut b = z.clone();
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            unsafe { x86::sigmoid_avx2(&mut b) };
            for ((found, want), z) in b.iter().zip(&expected).zip(&z) {
                assert_eq!(found.to_bits(), *want, "σ({z}) = {found}");
            }
            checked += 1;
        }
        println!("{checked} vector version(s) checked");
    }

    #[test]
    fn nan_stays_nan() {
        let mut a = [f64::NAN; 11];
        sigmoid_for_cpu()(&mut a);
        assert!(a.iter().all(|v| v.is_nan()));
    }
}
