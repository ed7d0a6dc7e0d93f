//! The nonzero pattern of images that stay the same, found once and kept,
//! and their values as one-byte codes.
//!
//! Idea: the command line trains on the same images in every epoch, so
//! which of their pixels are zero does not change either. Without this, both
//! products with the images find it anew, a pass over all of them each: the
//! row masks and pairs of x·W₀ᵀ (`sparse_left.rs`) and the column masks of
//! dz₁ᵀ·x (`sparse_right.rs`), together about 10 % of the command line's CPU
//! time on Fashion-MNIST (`perf record`, Intel Xeon model 207). An
//! [`ImagePattern`] finds both once and keeps them while it borrows the images,
//! so the images cannot change meanwhile; products with exactly these images
//! (same memory, same shape) use them. Same masks, same pairs: the results
//! are the same, bit for bit.
//!
//! Second idea: scaled 8-bit images have at most 256 different values. The
//! pattern keeps them as one byte each, with a table of the values
//! ([`codes_of`]), and the inner loop reads `table[code]` instead of the
//! value: the same value, an eighth of the bytes that travel from memory
//! (Fashion-MNIST's 60,000 images: 47 MB instead of 376 MB per product).
//!
//! `matmul` alone cannot do this for a plain array: nothing says that it is
//! not changed between two products, and checking it costs the same pass
//! over the images as finding the masks. So the caller says it, by keeping
//! an `ImagePattern` around its loop, as lesson 1's training cells do
//! (`{ let _muster = ImagePattern::keep(&train_images); for … { … } }`).
//! The block, not `drop(muster)`, ends it there: evcxr tries to carry every
//! top-level `let` into the next cell, fails to compile that for a dropped
//! one and compiles the cell a second time without it.
//! Within one cell only: evcxr builds every cell with its own copy of this
//! crate, so a pattern kept in one cell is unknown to the next (measured:
//! an owned wrapper made in one cell sped up the next cell's epoch by 2 %
//! instead of 14 %). In a course kernel, lesson 1's first training cell
//! (50 epochs, 8,000 digits) took 3.36 instead of 3.67 s, median of 5
//! alternating pairs in one kernel, faster in 5 of 5.
//!
//! Measured with `--profile` on the Intel Xeon model 207, alternating runs
//! of the command line (`--epochs 6` to `8`, median of the epochs from the
//! second on, then the median of the runs):
//! - patterns kept against found anew: Fashion-MNIST 434 → 409 ms per epoch
//!   (4 pairs), the tiled MNIST digits 276 → 258 ms (3 pairs);
//! - codes on top: Fashion-MNIST 417 → 397 ms (10 pairs, faster in 8),
//!   tiled MNIST digits 253 → 239 ms (10 pairs, faster in 10).
//!
//! Finding both for the 60,000 Fashion-MNIST images took 0.18 s, once.
//!
//! Memory: the codes take 1 byte per pixel (47 MB for 60,000 images). On
//! the tiled MNIST digits they pushed the command line's peak from 657 to
//! 676 MB (`/usr/bin/time -f %M`: 641,700 and 660,000 KiB), just above 1/5
//! of numpy's 3.35 GB (the goal of issue 13). The test images therefore keep
//! only the pattern of their one product
//! ([`ImagePattern::keep_for_forward_pass`]): 667 MB (651,600 KiB).

use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};

use ndarray::ArrayRef2;
use rayon::prelude::*;

use super::pair_sums::{self, CODES, Coded};
use super::sparse_left::{self, TaskPattern};
use super::sparse_right;

/// The zeros of a matrix of images, kept for every product with it while
/// this value lives.
///
/// For a training loop (the command line's, or a notebook cell's):
/// `x · w[0]ᵀ` and `dz_1ᵀ · x` then skip finding the images' nonzero pixels
/// anew in every epoch, and read
/// one-byte codes of the values where the images have at most 256 different
/// ones (as scaled 8-bit pixels do; 1 byte more memory per pixel). Products
/// with other arrays, or with the same images after this value is dropped,
/// find them as before. The results are the same either way, bit for bit.
/// An array that is not in standard (row-major) layout, or is empty, is not
/// kept (products with it do not use a kept pattern anyway).
///
/// # Example
/// ```
/// use erstes_netz::{ImagePattern, matmul, ndarray::Array2};
///
/// let x = Array2::from_shape_fn((200, 784), |(i, j)| if (i + j) % 3 == 0 { 0.5 } else { 0.0 });
/// let w = Array2::from_shape_fn((300, 784), |(h, j)| ((h * 7 + j) % 11) as f64 - 5.0);
/// let before = matmul(&x, &w.t());
/// let pattern = ImagePattern::keep(&x);
/// assert_eq!(matmul(&x, &w.t()), before);
/// drop(pattern);
/// ```
pub struct ImagePattern<'a> {
    kept: Option<Arc<Kept>>,
    /// Borrows the images: they cannot change while their pattern is kept.
    _images: PhantomData<&'a ArrayRef2<f64>>,
}

/// The patterns of one matrix of images (rows × cols), for the inner loop
/// that takes pairs or for the one that does not.
pub(super) struct Kept {
    ptr: usize,
    rows: usize,
    cols: usize,
    pairs: bool,
    left: Vec<TaskPattern>,
    /// None for images kept for the forward pass only.
    right: Option<Vec<Vec<Vec<u64>>>>,
    codes: Option<(Vec<u8>, Box<[f64; CODES]>)>,
}

/// One-byte codes of `x` and the table of its different values
/// (`table[codes[i]]` has the bits of `x[i]`), or None for more than
/// [`CODES`] different values. Images of 8-bit pixels, scaled, have at most
/// 256. Two passes on all cores: the different values, then the codes.
pub(super) fn codes_of(x: &[f64]) -> Option<(Vec<u8>, Box<[f64; CODES]>)> {
    const CHUNK: usize = 1 << 16;
    // The different values' bits, sorted; a chunk with too many gives None.
    let found: Option<Vec<u64>> = x
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut seen = Slots::default();
            for &v in chunk {
                seen.insert(v.to_bits())?;
            }
            Some(seen.sorted())
        })
        .try_reduce(Vec::new, |a, b| {
            let mut all: Vec<u64> = a.into_iter().chain(b).collect();
            all.sort_unstable();
            all.dedup();
            (all.len() <= CODES).then_some(all)
        });
    let bits = found?;
    let mut table = Box::new([0.0; CODES]);
    for (t, &b) in table.iter_mut().zip(&bits) {
        *t = f64::from_bits(b);
    }
    let mut codes = vec![0u8; x.len()];
    codes
        .par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .for_each(|(codes, x)| {
            let mut slots = Slots::default();
            for &b in &bits {
                slots.insert(b);
            }
            for (c, v) in codes.iter_mut().zip(x) {
                *c = slots.code(v.to_bits());
            }
        });
    Some((codes, table))
}

/// At most [`CODES`] values' bits, each with its code (the order it came
/// in): open addressing in 1,024 slots.
struct Slots {
    slots: Vec<Option<(u64, u8)>>,
    len: usize,
}

impl Default for Slots {
    fn default() -> Self {
        Slots {
            slots: vec![None; 4 * CODES],
            len: 0,
        }
    }
}

impl Slots {
    /// The slot of `bits`: where it is, or the free one where it goes.
    #[inline]
    fn slot(&self, bits: u64) -> usize {
        let mask = self.slots.len() - 1;
        // Fibonacci hashing: the top bits of the product spread nearby values.
        let mut at = (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize & mask;
        while let Some((b, _)) = self.slots[at] {
            if b == bits {
                break;
            }
            at = (at + 1) & mask;
        }
        at
    }

    /// Adds `bits`; None once there would be more than [`CODES`] values.
    #[inline]
    fn insert(&mut self, bits: u64) -> Option<()> {
        let at = self.slot(bits);
        if self.slots[at].is_none() {
            if self.len == CODES {
                return None;
            }
            self.slots[at] = Some((bits, self.len as u8));
            self.len += 1;
        }
        Some(())
    }

    /// The code of `bits` (which was inserted).
    #[inline]
    fn code(&self, bits: u64) -> u8 {
        self.slots[self.slot(bits)].map_or(0, |(_, c)| c)
    }

    fn sorted(self) -> Vec<u64> {
        let mut all: Vec<u64> = self.slots.into_iter().flatten().map(|(b, _)| b).collect();
        all.sort_unstable();
        all
    }
}

/// The patterns kept now; a handful at most (training and test images).
static KEPT: Mutex<Vec<Arc<Kept>>> = Mutex::new(Vec::new());

fn kept_now() -> std::sync::MutexGuard<'static, Vec<Arc<Kept>>> {
    // The list is never left half changed: a panic elsewhere does not spoil it.
    KEPT.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<'a> ImagePattern<'a> {
    /// Finds the nonzero pixels of `x` (one image per row) for both
    /// products, and the values' codes, on all cores, and keeps them until
    /// this value is dropped. For the training images.
    pub fn keep(x: &'a ArrayRef2<f64>) -> ImagePattern<'a> {
        Self::find(x, true)
    }

    /// Like [`ImagePattern::keep`], for images that only go through the
    /// forward pass (the test images): the pattern of `x · w[0]ᵀ` alone, and
    /// no codes, which would take 1 byte per pixel for a few milliseconds.
    pub fn keep_for_forward_pass(x: &'a ArrayRef2<f64>) -> ImagePattern<'a> {
        Self::find(x, false)
    }

    fn find(x: &'a ArrayRef2<f64>, training: bool) -> ImagePattern<'a> {
        let (rows, cols) = x.dim();
        let kept = match x.as_slice() {
            Some(s) if !s.is_empty() => {
                let pairs = pair_sums::kernel().pairs;
                let kept = Arc::new(Kept {
                    ptr: s.as_ptr() as usize,
                    rows,
                    cols,
                    pairs,
                    left: sparse_left::patterns(s, (rows, cols), pairs),
                    right: training.then(|| sparse_right::patterns(s, (rows, cols), pairs)),
                    codes: if training { codes_of(s) } else { None },
                });
                kept_now().push(Arc::clone(&kept));
                Some(kept)
            }
            _ => None,
        };
        ImagePattern {
            kept,
            _images: PhantomData,
        }
    }
}

impl Drop for ImagePattern<'_> {
    fn drop(&mut self) {
        if let Some(kept) = &self.kept {
            kept_now().retain(|k| !Arc::ptr_eq(k, kept));
        }
    }
}

impl Kept {
    /// The kept pattern of the rows × cols images `x`, if there is one.
    pub fn find(x: &[f64], rows: usize, cols: usize) -> Option<Arc<Kept>> {
        if x.is_empty() || x.len() != rows * cols {
            return None;
        }
        kept_now()
            .iter()
            .find(|k| k.ptr == x.as_ptr() as usize && (k.rows, k.cols) == (rows, cols))
            .cloned()
    }

    /// The one-byte codes of the images and their table, if they have them.
    pub fn codes(&self) -> Option<Coded<'_>> {
        self.codes.as_ref().map(|(c, t)| (&c[..], &**t))
    }

    /// The patterns of `x · d` for the inner loop `kernel`.
    pub fn left(&self, kernel: pair_sums::Kernel) -> Option<&[TaskPattern]> {
        (self.pairs == kernel.pairs).then_some(&self.left[..])
    }

    /// The patterns of `a · x` for the inner loop `kernel`.
    pub fn right(&self, kernel: pair_sums::Kernel) -> Option<&[Vec<Vec<u64>>]> {
        self.right.as_deref().filter(|_| self.pairs == kernel.pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value comes back from its code with its own bits.
    fn round_trip(x: &[f64]) -> (Vec<u8>, Box<[f64; CODES]>) {
        let (codes, table) = codes_of(x).expect("at most 256 values");
        assert_eq!(codes.len(), x.len());
        for (c, v) in codes.iter().zip(x) {
            assert_eq!(table[usize::from(*c)].to_bits(), v.to_bits());
        }
        (codes, table)
    }

    #[test]
    fn codes_number_the_values_in_the_order_of_their_bits() {
        // bits: 0.0 < 0.5 < 1.0 < NaN < -0.0 (sign bit set)
        let x = [0.0, 0.5, -0.0, 0.5, 1.0, f64::NAN];
        let (codes, table) = round_trip(&x);
        assert_eq!(codes, [0, 1, 4, 1, 2, 3]);
        assert_eq!(table[..2], [0.0, 0.5]);
        assert!(table[3].is_nan() && table[4].is_sign_negative());
    }

    #[test]
    fn codes_for_at_most_256_values_over_many_chunks() {
        // 256 values spread over 300,000 entries (several chunks of 65,536)
        let x: Vec<f64> = (0..300_000usize)
            .map(|i| ((i * 7919) % 256) as f64 / 255.0)
            .collect();
        round_trip(&x);
        // one value more, in the last chunk only
        let mut more = x.clone();
        *more.last_mut().unwrap() = 2.0;
        assert!(codes_of(&more).is_none());
        // 257 values within one chunk
        let many: Vec<f64> = (0..257).map(f64::from).collect();
        assert!(codes_of(&many).is_none());
        assert!(codes_of(&many[..256]).is_some());
    }
}
