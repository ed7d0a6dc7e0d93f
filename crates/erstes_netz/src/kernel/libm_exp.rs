//! σ(z) = 1 / (1 + e⁻ᶻ) for whole arrays, eight (AVX-512) or four (AVX2)
//! values at a time, with exactly the bits of the scalar formula
//! `1.0 / (1.0 + (-z).exp())` – the lesson's `sigmoid`, now without its
//! cost of one scalar `exp` call per value.
//!
//! Idea: glibc's `exp` (since 2.28, from Arm's optimized-routines; on CPUs
//! with FMA its FMA build) computes e^x = 2^(k/128) · e^r with
//! k = round(x · 128/ln 2), r = x − k · ln 2/128 (two FMAs), 2^(k/128) ≈ H·(1 + T)
//! from a table of 128 entries (`exp_table.rs`, written by
//! `scripts/gen_exp_table.py`) and e^r − 1 ≈ r + C₂r² + … + C₅r⁵. The same
//! operations in the same order, with the table read by gathers, give
//! glibc's bits in every lane; the order of the FMAs is the one in the
//! machine code of glibc 2.36's `__exp_fma`. Blocks with a value outside
//! 2⁻⁵⁴ ≤ |x| < 512 (glibc's special cases, also ∞ and NaN) take the
//! scalar formula.
//!
//! Whether the `exp` of this process is that algorithm is checked once, on
//! inputs that reach every table entry. If any value differs (another libm
//! or version, a CPU without FMA where glibc runs its non-FMA build), the
//! scalar formula is used: the result is the formula's, bit for bit, in any
//! case. Measured gain: README, „Sigmoid acht Werte auf einmal, mit denselben Bits“.

use std::mem::MaybeUninit;
use std::sync::OnceLock;

/// Writes σ(src[i]) to dst[i]; both slices have the same length.
pub(crate) type SigmoidTo = fn(&[f64], &mut [MaybeUninit<f64>]);

/// The fastest σ for this CPU and libm that gives the scalar formula's bits.
pub(crate) fn sigmoid_to_for_cpu() -> SigmoidTo {
    chosen().1
}

/// The σ chosen for this process, with its name ("avx512", "avx2" or "scalar").
fn chosen() -> (&'static str, SigmoidTo) {
    static CHOSEN: OnceLock<(&'static str, SigmoidTo)> = OnceLock::new();
    *CHOSEN.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        for (name, candidate) in x86::candidates() {
            if gives_the_formulas_bits(candidate) {
                return (name, candidate);
            }
        }
        ("scalar", scalar_to as SigmoidTo)
    })
}

/// The lesson's formula, one value at a time.
pub(crate) fn scalar_to(src: &[f64], dst: &mut [MaybeUninit<f64>]) {
    assert_eq!(src.len(), dst.len(), "sigmoid: lengths");
    for (d, &z) in dst.iter_mut().zip(src) {
        d.write(1.0 / (1.0 + (-z).exp()));
    }
}

/// Inputs that reach each of the 128 table entries at many magnitudes and
/// both signs, plus a few odd values and an odd length (the scalar tail).
fn probe() -> Vec<f64> {
    let step = std::f64::consts::LN_2 / 128.0;
    let mut z = Vec::with_capacity(80 * 128 * 3 + 11);
    for m in -40i32..40 {
        for k in 0..128 {
            for frac in [0.13, 0.5, 0.87] {
                z.push((f64::from(m * 128 + k) + frac) * step);
            }
        }
    }
    z.extend([
        300.0, -300.0, 511.9, -511.9, 1e-15, -1e-15, 0.0, 745.2, -745.2,
    ]);
    z.extend([f64::NAN, f64::INFINITY]);
    z
}

fn gives_the_formulas_bits(f: SigmoidTo) -> bool {
    let z = probe();
    let mut fast = vec![MaybeUninit::uninit(); z.len()];
    let mut plain = vec![MaybeUninit::uninit(); z.len()];
    f(&z, &mut fast);
    scalar_to(&z, &mut plain);
    fast.iter().zip(&plain).all(|(a, b)| {
        // SAFETY: both functions write every element.
        let (a, b) = unsafe { (a.assume_init(), b.assume_init()) };
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    })
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;
    use std::mem::MaybeUninit;

    use super::super::exp_table::TABLE;
    use super::{SigmoidTo, scalar_to};

    // The constants of glibc's exp (bits): 128/ln 2, −ln 2/128 in a high part
    // with trailing zeros and a low part, the shift 1.5 · 2⁵² that rounds to
    // an integer, and the polynomial's C₂ … C₅.
    pub(super) const INV_LN2_N: f64 = f64::from_bits(0x4067_1547_652b_82fe);
    pub(super) const NEG_LN2_HI_N: f64 = f64::from_bits(0xbf76_2e42_fefa_0000);
    pub(super) const NEG_LN2_LO_N: f64 = f64::from_bits(0xbd0c_f79a_bc9e_3b3a);
    pub(super) const SHIFT: f64 = f64::from_bits(0x4338_0000_0000_0000);
    pub(super) const C2: f64 = f64::from_bits(0x3fdf_ffff_ffff_fdbd);
    pub(super) const C3: f64 = f64::from_bits(0x3fc5_5555_5555_543c);
    pub(super) const C4: f64 = f64::from_bits(0x3fa5_5555_cf17_2b91);
    pub(super) const C5: f64 = f64::from_bits(0x3f81_1111_67a4_d017);
    /// x with 2⁻⁵⁴ ≤ |x| < 512 have their exponent field minus this in 0..=RANGE.
    const LOW_TOP: i64 = 0x3c9;
    const RANGE: i64 = 0x3e;

    /// The vector versions this CPU can run, widest first.
    pub(super) fn candidates() -> Vec<(&'static str, SigmoidTo)> {
        let mut found: Vec<(&'static str, SigmoidTo)> = Vec::new();
        if is_x86_feature_detected!("avx512f") {
            found.push(("avx512", |src, dst| {
                // SAFETY: the CPU has AVX-512F (checked when this was chosen).
                unsafe { sigmoid_avx512(src, dst) }
            }));
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            found.push(("avx2", |src, dst| {
                // SAFETY: the CPU has AVX2 and FMA (checked when this was chosen).
                unsafe { sigmoid_avx2(src, dst) }
            }));
        }
        found
    }

    /// e^x for eight values as glibc computes it, or None if one of them
    /// needs glibc's special cases.
    #[target_feature(enable = "avx512f")]
    fn exp8(x: __m512d) -> Option<__m512d> {
        let set = _mm512_set1_pd;
        let top = _mm512_and_si512(
            _mm512_srli_epi64::<52>(_mm512_castpd_si512(x)),
            _mm512_set1_epi64(0x7ff),
        );
        let ordinary = _mm512_cmple_epu64_mask(
            _mm512_sub_epi64(top, _mm512_set1_epi64(LOW_TOP)),
            _mm512_set1_epi64(RANGE),
        );
        if ordinary != 0xff {
            return None;
        }
        let kd = _mm512_fmadd_pd(x, set(INV_LN2_N), set(SHIFT));
        let ki = _mm512_castpd_si512(kd);
        let kd = _mm512_sub_pd(kd, set(SHIFT));
        let r = _mm512_fmadd_pd(kd, set(NEG_LN2_HI_N), x);
        let r = _mm512_fmadd_pd(kd, set(NEG_LN2_LO_N), r);
        let idx = _mm512_slli_epi64::<1>(_mm512_and_si512(ki, _mm512_set1_epi64(127)));
        // SAFETY: idx and idx + 1 are below 256, the table's length.
        let (tail, hi) = unsafe {
            (
                _mm512_i64gather_pd::<8>(idx, TABLE.as_ptr().cast()),
                _mm512_i64gather_epi64::<8>(
                    _mm512_add_epi64(idx, _mm512_set1_epi64(1)),
                    TABLE.as_ptr().cast(),
                ),
            )
        };
        let scale = _mm512_castsi512_pd(_mm512_add_epi64(hi, _mm512_slli_epi64::<45>(ki)));
        let r2 = _mm512_mul_pd(r, r);
        let p23 = _mm512_fmadd_pd(r, set(C3), set(C2));
        let p45 = _mm512_fmadd_pd(r, set(C5), set(C4));
        let t = _mm512_fmadd_pd(p23, r2, _mm512_add_pd(r, tail));
        let tmp = _mm512_fmadd_pd(_mm512_mul_pd(r2, r2), p45, t);
        Some(_mm512_fmadd_pd(scale, tmp, scale))
    }

    /// # Safety
    /// The CPU has AVX-512F.
    #[target_feature(enable = "avx512f")]
    unsafe fn sigmoid_avx512(src: &[f64], dst: &mut [MaybeUninit<f64>]) {
        assert_eq!(src.len(), dst.len(), "sigmoid: lengths");
        let one = _mm512_set1_pd(1.0);
        let sign = _mm512_set1_epi64(i64::MIN);
        let (s8, mut d8) = (src.chunks_exact(8), dst.chunks_exact_mut(8));
        let rest = s8.remainder();
        for (s, d) in s8.zip(&mut d8) {
            // SAFETY: s and d hold eight values each.
            let z = unsafe { _mm512_loadu_pd(s.as_ptr()) };
            // −z by its sign bit, as the scalar negation (also for ±0)
            let x = _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(z), sign));
            match exp8(x) {
                // SAFETY: d holds eight values.
                Some(e) => unsafe {
                    _mm512_storeu_pd(
                        d.as_mut_ptr().cast(),
                        _mm512_div_pd(one, _mm512_add_pd(one, e)),
                    )
                },
                None => scalar_to(s, d),
            }
        }
        scalar_to(rest, d8.into_remainder());
    }

    /// e^x for four values as glibc computes it, or None (see [`exp8`]).
    #[target_feature(enable = "avx2,fma")]
    fn exp4(x: __m256d) -> Option<__m256d> {
        let set = _mm256_set1_pd;
        let top = _mm256_and_si256(
            _mm256_srli_epi64::<52>(_mm256_castpd_si256(x)),
            _mm256_set1_epi64x(0x7ff),
        );
        let d = _mm256_sub_epi64(top, _mm256_set1_epi64x(LOW_TOP));
        let outside = _mm256_or_si256(
            _mm256_cmpgt_epi64(d, _mm256_set1_epi64x(RANGE)),
            _mm256_cmpgt_epi64(_mm256_setzero_si256(), d),
        );
        if _mm256_testz_si256(outside, outside) == 0 {
            return None;
        }
        let kd = _mm256_fmadd_pd(x, set(INV_LN2_N), set(SHIFT));
        let ki = _mm256_castpd_si256(kd);
        let kd = _mm256_sub_pd(kd, set(SHIFT));
        let r = _mm256_fmadd_pd(kd, set(NEG_LN2_HI_N), x);
        let r = _mm256_fmadd_pd(kd, set(NEG_LN2_LO_N), r);
        let idx = _mm256_slli_epi64::<1>(_mm256_and_si256(ki, _mm256_set1_epi64x(127)));
        // SAFETY: idx and idx + 1 are below 256, the table's length.
        let (tail, hi) = unsafe {
            (
                _mm256_i64gather_pd::<8>(TABLE.as_ptr().cast(), idx),
                _mm256_i64gather_epi64::<8>(
                    TABLE.as_ptr().cast(),
                    _mm256_add_epi64(idx, _mm256_set1_epi64x(1)),
                ),
            )
        };
        let scale = _mm256_castsi256_pd(_mm256_add_epi64(hi, _mm256_slli_epi64::<45>(ki)));
        let r2 = _mm256_mul_pd(r, r);
        let p23 = _mm256_fmadd_pd(r, set(C3), set(C2));
        let p45 = _mm256_fmadd_pd(r, set(C5), set(C4));
        let t = _mm256_fmadd_pd(p23, r2, _mm256_add_pd(r, tail));
        let tmp = _mm256_fmadd_pd(_mm256_mul_pd(r2, r2), p45, t);
        Some(_mm256_fmadd_pd(scale, tmp, scale))
    }

    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn sigmoid_avx2(src: &[f64], dst: &mut [MaybeUninit<f64>]) {
        assert_eq!(src.len(), dst.len(), "sigmoid: lengths");
        let one = _mm256_set1_pd(1.0);
        let sign = _mm256_set1_epi64x(i64::MIN);
        let (s4, mut d4) = (src.chunks_exact(4), dst.chunks_exact_mut(4));
        let rest = s4.remainder();
        for (s, d) in s4.zip(&mut d4) {
            // SAFETY: s and d hold four values each.
            let z = unsafe { _mm256_loadu_pd(s.as_ptr()) };
            let x = _mm256_castsi256_pd(_mm256_xor_si256(_mm256_castpd_si256(z), sign));
            match exp4(x) {
                // SAFETY: d holds four values.
                Some(e) => unsafe {
                    _mm256_storeu_pd(
                        d.as_mut_ptr().cast(),
                        _mm256_div_pd(one, _mm256_add_pd(one, e)),
                    )
                },
                None => scalar_to(s, d),
            }
        }
        scalar_to(rest, d4.into_remainder());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: SigmoidTo, z: &[f64]) -> Vec<f64> {
        let mut out = vec![MaybeUninit::uninit(); z.len()];
        f(z, &mut out);
        // SAFETY: f writes every element.
        out.into_iter()
            .map(|v| unsafe { v.assume_init() })
            .collect()
    }

    /// glibc's exp in plain Rust, step for step (`mul_add` is the FMA): the
    /// description of the algorithm the vector code follows.
    #[cfg(target_arch = "x86_64")]
    fn glibc_steps(x: f64) -> f64 {
        use x86::*;
        let kd = x.mul_add(INV_LN2_N, SHIFT);
        let ki = kd.to_bits();
        let kd = kd - SHIFT;
        let r = kd.mul_add(NEG_LN2_HI_N, x);
        let r = kd.mul_add(NEG_LN2_LO_N, r);
        let idx = 2 * (ki % 128) as usize;
        let table = &super::super::exp_table::TABLE;
        let tail = f64::from_bits(table[idx]);
        let scale = f64::from_bits(table[idx + 1].wrapping_add(ki << 45));
        let r2 = r * r;
        let t = r.mul_add(C3, C2).mul_add(r2, r + tail);
        let tmp = (r2 * r2).mul_add(r.mul_add(C5, C4), t);
        scale.mul_add(tmp, scale)
    }

    /// Where this machine's exp is glibc's FMA build, the steps above are
    /// its bits (so a differing result below is the vector code's fault).
    #[test]
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    fn the_steps_are_glibcs_exp() {
        if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            return;
        }
        let x: Vec<f64> = probe()
            .into_iter()
            .filter(|x| (1e-15..511.0).contains(&x.abs()))
            .collect();
        assert!(x.len() > 30_000);
        for &x in &x {
            assert_eq!(
                glibc_steps(x).to_bits(),
                x.exp().to_bits(),
                "exp({x}): this glibc computes exp otherwise; libm_exp.rs must follow it \
                 (until then sigmoid runs the scalar formula)"
            );
        }
    }

    /// Random inputs per vector version in the test below.
    const RANDOM: usize = 8_000_003;

    #[test]
    fn every_vector_version_gives_the_formulas_bits() {
        #[cfg(target_arch = "x86_64")]
        for (name, f) in x86::candidates() {
            assert!(gives_the_formulas_bits(f), "{name}");
            // many values of a training run's range (a rounding that differs
            // from glibc's shows in about one value of a million), and the edges
            let mut state = 0x9e37_79b9_7f4a_7c15u64;
            let z: Vec<f64> = (0..RANDOM)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 90.0
                })
                .chain([
                    0.0,
                    -0.0,
                    1e-300,
                    -1e-300,
                    5e-324,
                    709.0,
                    -709.0,
                    745.2,
                    -745.2,
                    1e300,
                    -1e300,
                    f64::MAX,
                    f64::MIN,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                ])
                .collect();
            let (fast, plain) = (run(f, &z), run(scalar_to, &z));
            for ((a, b), z) in fast.iter().zip(&plain).zip(&z) {
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "{name}: σ({z}) = {a}, the formula gives {b}"
                );
            }
        }
        let nan = run(sigmoid_to_for_cpu(), &[f64::NAN; 13]);
        assert!(nan.iter().all(|v| v.is_nan()));
    }

    /// On this machine (Linux, glibc, AVX2 or AVX-512) the vector version is
    /// the one chosen; elsewhere the scalar formula may be.
    #[test]
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    fn a_vector_version_is_chosen_where_glibc_and_fma_are() {
        let expected = if is_x86_feature_detected!("avx512f") {
            "avx512"
        } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            "avx2"
        } else {
            "scalar"
        };
        assert_eq!(
            chosen().0,
            expected,
            "the vector σ was not chosen: does this libm compute exp as glibc 2.28–2.36 does?"
        );
    }

    #[test]
    #[should_panic(expected = "sigmoid: lengths")]
    fn lengths_must_agree() {
        scalar_to(&[1.0, 2.0], &mut [MaybeUninit::uninit()]);
    }
}
