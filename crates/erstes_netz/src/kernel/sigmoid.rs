//! σ(z) = 1 / (1 + e⁻ᶻ) for a row of the hidden layer, eight values at a time.
//!
//! Idea: e^x = 2ⁿ · e^r with n = round(x / ln 2) and |r| ≤ ln 2 / 2; e^r is
//! its Taylor polynomial of degree 13 (truncation error below 1e-17
//! relative), 2ⁿ is applied exactly with `scalef`, which also gives ∞ and 0
//! beyond the range of f64. Results are within a few units in the last
//! place of glibc's `exp` (tested below); NaN stays NaN. It replaced one
//! scalar `exp` call per value, the costliest elementwise step of an epoch
//! (measured gain in the README's profile). CPUs without AVX-512 use the
//! scalar formula.

/// Replaces every value z of the slice by σ(z).
pub(super) type Sigmoid = fn(&mut [f64]);

/// The fastest σ for this CPU.
pub(super) fn sigmoid_for_cpu() -> Sigmoid {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx512f") {
        return |z| {
            // SAFETY: the CPU has AVX-512F (checked when this was chosen).
            unsafe { x86::sigmoid(z) }
        };
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
    const TAYLOR: [f64; 14] = {
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
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);

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

    #[test]
    fn nan_stays_nan() {
        let mut a = [f64::NAN; 11];
        sigmoid_for_cpu()(&mut a);
        assert!(a.iter().all(|v| v.is_nan()));
    }
}
