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
    pub fn of(d: &[f64], rows: usize, cols: usize) -> Tiles {
        assert_eq!(d.len(), rows * cols, "dense matrix size");
        let tiles = cols.div_ceil(NB);
        let mut data = vec![0.0; tiles * rows * NB];
        if rows > 0 {
            data.par_chunks_mut(rows * NB)
                .enumerate()
                .for_each(|(t, tile)| {
                    let (c0, w) = (t * NB, NB.min(cols - t * NB));
                    for (r, dst) in tile.chunks_exact_mut(NB).enumerate() {
                        dst[..w].copy_from_slice(&d[r * cols + c0..r * cols + c0 + w]);
                    }
                });
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
