//! The nonzero pattern of images that stay the same, found once and kept.
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
//! Not for `matmul` in a notebook: there nothing says that an array is not
//! changed between two products, and checking it costs the same pass over
//! the images as finding the masks.
//!
//! Measured with `--profile` on the Intel Xeon, kept against found anew,
//! alternating runs: Fashion-MNIST 448 → 408 ms per epoch (4 pairs), the tiled
//! MNIST digits 275 → 253 ms (3 pairs); see the README.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};

use ndarray::ArrayRef2;

use super::pair_sums;
use super::sparse_left::{self, TaskPattern};
use super::sparse_right;

/// The zeros of a matrix of images, kept for every product with it while
/// this value lives.
///
/// For the command line's training loop: `x · w[0]ᵀ` and `dz_1ᵀ · x` then
/// skip finding the images' nonzero pixels anew in every epoch. Products
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
    right: Vec<Vec<Vec<u64>>>,
}

/// The patterns kept now; a handful at most (training and test images).
static KEPT: Mutex<Vec<Arc<Kept>>> = Mutex::new(Vec::new());

fn kept_now() -> std::sync::MutexGuard<'static, Vec<Arc<Kept>>> {
    // The list is never left half changed: a panic elsewhere does not spoil it.
    KEPT.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<'a> ImagePattern<'a> {
    /// Finds the nonzero pixels of `x` (one image per row) for both
    /// products, on all cores, and keeps them until this value is dropped.
    pub fn keep(x: &'a ArrayRef2<f64>) -> ImagePattern<'a> {
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
                    right: sparse_right::patterns(s, (rows, cols), pairs),
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

    /// The patterns of `x · d` for the inner loop `kernel`.
    pub fn left(&self, kernel: pair_sums::Kernel) -> Option<&[TaskPattern]> {
        (self.pairs == kernel.pairs).then_some(&self.left[..])
    }

    /// The patterns of `a · x` for the inner loop `kernel`.
    pub fn right(&self, kernel: pair_sums::Kernel) -> Option<&[Vec<Vec<u64>>]> {
        (self.pairs == kernel.pairs).then_some(&self.right[..])
    }
}
