//! Plain loops the compiler vectorises, and `widest!`, which compiles them
//! for the widest vector unit the CPU has.

/// `fn $name(args)` runs `$inner(args)` compiled for AVX-512, for AVX2 + FMA
/// or for the plain target, whichever this CPU has: the loops are written
/// plainly and vectorised by the compiler for the chosen unit.
macro_rules! widest {
    (fn $name:ident($($arg:ident: $ty:ty),*) => $inner:ident) => {
        // The wrappers take the arguments of the loops they compile.
        #[allow(clippy::too_many_arguments)]
        fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[allow(clippy::too_many_arguments)]
                #[target_feature(enable = "avx512f")]
                fn avx512($($arg: $ty),*) {
                    $inner($($arg),*)
                }
                #[allow(clippy::too_many_arguments)]
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

/// Σ a[l] · b[l] with 8 partial sums: the order of additions that
/// `row_dots` keeps in its vector registers, here as the tests' reference.
#[cfg(test)]
pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
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
pub(super) fn axpy(out: &mut [f64], v: f64, row: &[f64]) {
    for (o, r) in out.iter_mut().zip(row) {
        *o += v * r;
    }
}
