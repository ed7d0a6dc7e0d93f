//! C = A · X with X mostly zeros: the gradient product `dz_1ᵀ · x`.
//!
//! Computed as Cᵀ = Xᵀ · Aᵀ: row j of Cᵀ (pixel j) is Σᵢ X[i, j] · Aᵀ[i, :]
//! over the images i where pixel j is nonzero. The images are taken in
//! panels of PANEL; for each panel, Aᵀ's rows are tiled once and the pixels
//! are split into tasks of PAIRS_PER_TASK pixel pairs on all cores (a pair
//! goes to the inner loop as one call, or as two where the loop prefers one
//! pixel per call, see `pair_sums::kernel`). Every
//! task owns its rows of Cᵀ, so nothing is summed across threads, and each
//! element adds its panels and blocks in a fixed order: the result does not
//! depend on the number of cores. The pixel values are read from the
//! images in place (adjacent pixels of a pair are adjacent in memory).

use rayon::prelude::*;

use super::pair_sums::{Coded, Kernel, Pair, Values, column_masks, column_pair_masks};
use super::tiles::Tiles;
use super::{KB, NB};

/// Images per panel: its tiles (512 × 320 values, 1.25 MiB) are shared by
/// all tasks. Measured on 2 cores (Fashion-MNIST, ms per product): panels of
/// 1024 with 16 pairs per task 221, 256/16 174, 256/32 154–170, 512/32 151–157.
const PANEL: usize = 512;
/// Pixel pairs per task: 64 rows of Cᵀ (150 KiB for 300 columns) stay in the L2 cache.
const PAIRS_PER_TASK: usize = 32;

/// Pixels per task (as pairs: PAIRS_PER_TASK of them).
const PIXELS_PER_TASK: usize = 2 * PAIRS_PER_TASK;

/// The masks of one task: pixels j0 .. j0 + cols of a panel's `rows` images
/// (row width n) in units of `group` pixels; `masks[kb · units + p]`, bit i:
/// image kb · KB + i has a nonzero pixel in unit p.
fn task_masks(
    x: &[f64],
    (rows, n): (usize, usize),
    j0: usize,
    cols: usize,
    group: usize,
) -> Vec<u64> {
    let units = cols.div_ceil(group);
    let blocks = rows.div_ceil(KB);
    let mut masks = vec![0u64; units * blocks];
    for (kb, masks) in masks.chunks_exact_mut(units).enumerate() {
        let block = &x[kb * KB * n..((kb + 1) * KB).min(rows) * n];
        if group == 2 {
            column_pair_masks(block, n, j0, cols, masks);
        } else {
            column_masks(block, n, j0, cols, masks);
        }
    }
    masks
}

/// The masks of every panel's tasks (`[panel][task]`) for the k × n images
/// `x`, on all cores, to be kept for every product with them (`kept.rs`).
pub(super) fn patterns(x: &[f64], (k, n): (usize, usize), pairs: bool) -> Vec<Vec<Vec<u64>>> {
    assert_eq!(x.len(), k * n, "image sizes");
    let group = if pairs { 2 } else { 1 };
    (0..k)
        .step_by(PANEL)
        .map(|i0| {
            let rows = PANEL.min(k - i0);
            let x = &x[i0 * n..(i0 + rows) * n];
            (0..n.div_ceil(PIXELS_PER_TASK))
                .into_par_iter()
                .map(|task| {
                    let j0 = task * PIXELS_PER_TASK;
                    task_masks(x, (rows, n), j0, PIXELS_PER_TASK.min(n - j0), group)
                })
                .collect()
        })
        .collect()
}

/// Cᵀ (n × m) for A (m × k) given as Aᵀ (k × m, row-major) and X (k × n,
/// row-major); `kept` are the [`patterns`] of X made before (for this
/// kernel), if there are any, and `codes` the one-byte codes of X with
/// their table (`kept.rs`).
pub(super) fn product_t(
    a_t: &[f64],
    x: &[f64],
    (m, k, n): (usize, usize, usize),
    kernel: Kernel,
    kept: Option<&[Vec<Vec<u64>>]>,
    codes: Option<Coded<'_>>,
) -> Vec<f64> {
    assert!(a_t.len() == k * m && x.len() == k * n, "factor sizes");
    let mut c_t = super::zeroed(n * m);
    if m == 0 || n == 0 {
        return c_t;
    }
    // Pixels per call of the inner loop: two, or one where pairs do not pay off.
    let group = if kernel.pairs { 2 } else { 1 };
    for i0 in (0..k).step_by(PANEL) {
        let rows = PANEL.min(k - i0);
        let tiles = Tiles::of(&a_t[i0 * m..(i0 + rows) * m], rows, m);
        let x = &x[i0 * n..(i0 + rows) * n];
        let codes = codes.map(|(c, table)| (&c[i0 * n..(i0 + rows) * n], table));
        let blocks = rows.div_ceil(KB);
        c_t.par_chunks_mut(PIXELS_PER_TASK * m)
            .enumerate()
            .for_each(|(task, c_rows)| {
                let j0 = task * PIXELS_PER_TASK;
                let cols = c_rows.len() / m;
                let units = cols.div_ceil(group);
                let own;
                let masks = match kept {
                    Some(kept) => &kept[i0 / PANEL][task],
                    None => {
                        own = task_masks(x, (rows, n), j0, cols, group);
                        &own
                    }
                };
                for kb in 0..blocks {
                    let i_first = kb * KB;
                    let i_last = ((kb + 1) * KB).min(rows) - 1;
                    for t in 0..tiles.count() {
                        let (c0, w) = (t * NB, tiles.width(t));
                        let block = tiles.block(t, kb);
                        for p in 0..units {
                            let (j1, j2) = (j0 + group * p, j0 + group * p + 1);
                            let second = group == 2 && group * p + 1 < cols;
                            let (top, bottom) = c_rows[group * p * m..].split_at_mut(m);
                            let column = |j: usize| i_first * n + j..i_last * n + j + 1;
                            Pair {
                                mask: masks[kb * units + p],
                                values: Values::of(
                                    x,
                                    codes,
                                    column(j1),
                                    second.then(|| column(j2)),
                                ),
                                s1: n,
                                s2: if second { n } else { 0 },
                                block,
                                out1: &mut top[c0..c0 + w],
                                out2: second.then(|| &mut bottom[c0..c0 + w]),
                            }
                            .run(kernel);
                        }
                    }
                }
            });
    }
    c_t
}
