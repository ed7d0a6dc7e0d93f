//! A random generator that reproduces numpy's legacy `np.random` exactly.
//!
//! `np.random.seed(s)` seeds a Mersenne Twister (MT19937) with the 32-bit
//! integer `s` (Matsumoto & Nishimura's `init_genrand`); `np.random.rand`
//! builds a double from two 32-bit outputs, and `np.random.randn` uses the
//! polar (Marsaglia) method, caching the second value of each pair. Doing the
//! same steps in the same order gives bit-identical numbers, so a Rust course
//! and the Python course start from the very same weights.

use rand::RngCore;

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// numpy's legacy generator (`np.random.seed` / `np.random.rand` / `np.random.randn`).
///
/// It implements [`rand::RngCore`], so it works wherever a `rand` generator
/// does; [`crate::randn`] and [`crate::init_weights`] recognise it and draw
/// normals exactly as numpy does.
///
/// # Example
/// ```
/// use erstes_netz::NumpyRng;
/// // np.random.seed(1234); np.random.randn(3)
/// let mut rng = NumpyRng::seed(1234);
/// let first = rng.standard_normal();
/// assert_eq!(first, 0.47143516373249306);
/// ```
#[derive(Clone)]
pub struct NumpyRng {
    state: Box<[u32; N]>,
    index: usize,
    /// The second normal of the last polar-method pair, as numpy keeps it.
    cached_gauss: Option<f64>,
}

impl std::fmt::Debug for NumpyRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumpyRng")
            .field("index", &self.index)
            .field("cached_gauss", &self.cached_gauss)
            .finish_non_exhaustive()
    }
}

impl NumpyRng {
    /// Seeds like `np.random.seed(seed)` with an integer seed.
    pub fn seed(seed: u32) -> Self {
        let mut state = Box::new([0u32; N]);
        state[0] = seed;
        for i in 1..N {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        NumpyRng {
            state,
            index: N,
            cached_gauss: None,
        }
    }

    fn twist(&mut self) {
        let mt = &mut self.state;
        for i in 0..N {
            let y = (mt[i] & UPPER_MASK) | (mt[(i + 1) % N] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            mt[i] = mt[(i + M) % N] ^ (y >> 1) ^ mag;
        }
        self.index = 0;
    }

    /// The next raw 32-bit output of MT19937.
    pub fn next_u32_mt(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// A uniform double in [0, 1) with 53 random bits, like `np.random.rand()`.
    pub fn random_sample(&mut self) -> f64 {
        let a = f64::from(self.next_u32_mt() >> 5);
        let b = f64::from(self.next_u32_mt() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// A standard normal, like `np.random.randn()` (polar method, pairs cached).
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(cached) = self.cached_gauss.take() {
            return cached;
        }
        let (x1, x2, r2) = loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                break (x1, x2, r2);
            }
        };
        let f = (-2.0 * r2.ln() / r2).sqrt();
        self.cached_gauss = Some(f * x1);
        f * x2
    }
}

impl RngCore for NumpyRng {
    fn next_u32(&mut self) -> u32 {
        self.next_u32_mt()
    }

    /// Two 32-bit outputs, high word first, as numpy's `mt19937_next64`.
    fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32_mt());
        let lo = u64::from(self.next_u32_mt());
        (hi << 32) | lo
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(4) {
            let bytes = self.next_u32_mt().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_mt19937_output_for_default_seed() {
        // First outputs of the reference implementation for init_genrand(5489).
        let mut rng = NumpyRng::seed(5489);
        assert_eq!(rng.next_u32(), 3_499_211_612);
        assert_eq!(rng.next_u32(), 581_869_302);
        assert_eq!(rng.next_u32(), 3_890_346_734);
    }

    #[test]
    fn rand_matches_numpy_seed_1234() {
        // np.random.seed(1234); np.random.rand(3)
        let mut rng = NumpyRng::seed(1234);
        let got: Vec<f64> = (0..3).map(|_| rng.random_sample()).collect();
        assert_eq!(
            got,
            [0.1915194503788923, 0.6221087710398319, 0.4377277390071145]
        );
    }

    #[test]
    fn randn_matches_numpy_seed_1234_including_cached_pair() {
        // np.random.seed(1234); np.random.randn(3)
        let mut rng = NumpyRng::seed(1234);
        let got: Vec<f64> = (0..3).map(|_| rng.standard_normal()).collect();
        assert_eq!(
            got,
            [0.47143516373249306, -1.1909756947064645, 1.4327069684260973]
        );
    }

    #[test]
    fn reseeding_forgets_the_cached_normal() {
        let mut rng = NumpyRng::seed(1234);
        rng.standard_normal(); // leaves a cached value behind
        let mut fresh = NumpyRng::seed(1234);
        rng = NumpyRng::seed(1234);
        assert_eq!(rng.standard_normal(), fresh.standard_normal());
    }
}
