//! The dense factor of a sparse product, rearranged into column tiles.
//!
//! Tile t holds columns t·NB .. t·NB + NB of every row, each row's NB values
//! contiguous, columns past the end zero. A block of KB rows of one tile
//! (32 KiB) is meant to stay in the L1 cache while all sparse rows of a task
//! pass it, where L1 is larger than that (48 KiB on a Zen 5; not on a Zen 1's
//! 32 KiB). On an Intel Xeon (48 KiB) it apparently does not (inferred from
//! timings, README "Intel Xeon"): the pixels and results of the 32 pairs that
//! pass it add 64 KiB. Aligning the tiles to cache lines, a 23 % gain for the
//! inner loop alone, made no difference in the product (measured).

use rayon::prelude::*;

use super::{KB, NB};

pub(super) struct Tiles {
    data: Vec<f64>,
    rows: usize,
    cols: usize,
}

impl Tiles {
    /// The tiles of the row-major `rows × cols` matrix `d`, copied on all cores.
    ///
    /// Each row of a tile is written once, values and zero padding, into
    /// memory that was not cleared before: dz₁ᵀ·x makes new tiles for every
    /// panel of 512 images (1.3 MB each, 154 MB per Fashion-MNIST epoch).
    /// Measured with `--profile` on a Zen 4 against clearing first, 3
    /// comparisons of 4–6 alternating runs: dz₁ᵀ·x 251/280 → 241/266 ms per
    /// Fashion-MNIST epoch, 146 → 138 ms on the tiled MNIST digits.
    pub fn of(d: &[f64], rows: usize, cols: usize) -> Tiles {
        assert_eq!(d.len(), rows * cols, "dense matrix size");
        let tiles = cols.div_ceil(NB);
        let len = tiles * rows * NB;
        let mut data = Vec::with_capacity(len);
        if len > 0 {
            data.spare_capacity_mut()[..len]
                .par_chunks_mut(rows * NB)
                .enumerate()
                .for_each(|(t, tile)| {
                    let (c0, w) = (t * NB, NB.min(cols - t * NB));
                    for (r, dst) in tile.chunks_exact_mut(NB).enumerate() {
                        dst[..w].write_copy_of_slice(&d[r * cols + c0..r * cols + c0 + w]);
                        dst[w..].fill(std::mem::MaybeUninit::new(0.0));
                    }
                });
            // SAFETY: the tiles cover all len values, each row written in full just above.
            unsafe { data.set_len(len) };
        }
        Tiles { data, rows, cols }
    }

    pub fn count(&self) -> usize {
        self.cols.div_ceil(NB)
    }

    /// Columns of tile t that exist (NB but for the last tile).
    pub fn width(&self, t: usize) -> usize {
        NB.min(self.cols - t * NB)
    }

    /// Rows kb·KB .. kb·KB + KB of tile t.
    pub fn block(&self, t: usize, kb: usize) -> &[f64] {
        let tile = &self.data[t * self.rows * NB..(t + 1) * self.rows * NB];
        &tile[kb * KB * NB..((kb + 1) * KB).min(self.rows) * NB]
    }
}
