//! The matrix product behind [`crate::matmul`].
//!
//! Dense products go to ndarray (matrixmultiply, on all cores). A product
//! with a factor that is mostly zeros – the images: MNIST is about 81 %
//! zeros, Fashion-MNIST about 50 % – skips the zeros:
//!
//! * `x · wᵀ` (images left): C[i, :] = Σⱼ x[i, j] · wᵀ[j, :] over the nonzero x[i, j];
//! * `dz_1ᵀ · x` (images right): Cᵀ[j, :] = Σᵢ x[i, j] · dz_1[i, :] over the nonzero x[i, j].
//!
//! Both are one kernel, "sparse rows times a dense matrix". It takes the
//! sparse rows in pairs and visits each column where either row of a pair is
//! nonzero once (a 64-bit mask per pair and block of 64 columns), so every
//! load of the dense matrix feeds two rows; images have their zeros in
//! similar places. The dense matrix is read in tiles of 64 rows × 32 columns
//! (16 KiB, they stay in the L1 cache) and the 2 × 32 sums stay in vector
//! registers. Work is split into a fixed number of blocks, so the result does
//! not depend on the number of cores.
//!
//! All of it is plain Rust: AVX-512 or AVX2 with FMA when the CPU has them
//! (checked at run time), otherwise portable code. Results agree with the
//! dense product up to rounding (relative differences around 1e-15).

use std::borrow::Cow;

use ndarray::{Array2, ArrayRef2, ArrayView2};
use rayon::prelude::*;

/// Below this many multiply-adds, the plain product is fastest.
const SMALL: usize = 1 << 20;
/// Share of zeros from which skipping them pays off.
const SPARSE_ENOUGH: f64 = 0.3;
/// Columns per tile: 32 f64, four AVX-512 registers.
const NB: usize = 32;
/// Dense rows per block, one bit each in a u64 mask.
const KB: usize = 64;
/// Sparse rows per task in `x · wᵀ`.
const ROWS_PER_TASK: usize = 128;
/// Blocks of the inner dimension in `dz_1ᵀ · x`; a fixed number, summed in a
/// fixed order, so that the result is the same on any number of cores.
const PARTS: usize = 16;

/// `a · b` for matrices whose shapes fit (checked by the caller).
pub(crate) fn product(a: &ArrayRef2<f64>, b: &ArrayRef2<f64>) -> Array2<f64> {
    let (m, k) = a.dim();
    let n = b.ncols();
    if m.saturating_mul(k).saturating_mul(n) < SMALL {
        return a.dot(b);
    }
    if zero_share(a) >= SPARSE_ENOUGH {
        sparse_times_dense(a, b)
    } else if zero_share(b) >= SPARSE_ENOUGH {
        dense_times_sparse(a, b)
    } else {
        a.dot(b)
    }
}

/// Share of exact zeros in a sample of evenly spread rows (about 32,000 values).
fn zero_share(x: &ArrayRef2<f64>) -> f64 {
    let rows_wanted = (32_768 / x.ncols().max(1)).clamp(1, 64);
    let step = (x.nrows() / rows_wanted).max(1);
    let (mut zeros, mut total) = (0usize, 0usize);
    for row in x.rows().into_iter().step_by(step).take(rows_wanted) {
        zeros += row.iter().filter(|&&v| v == 0.0).count();
        total += row.len();
    }
    if total == 0 {
        0.0
    } else {
        zeros as f64 / total as f64
    }
}

/// Row-major elements of a matrix, borrowed when they already are.
fn standard<'a>(x: &'a ArrayView2<'a, f64>) -> Cow<'a, [f64]> {
    match x.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(x.iter().copied().collect()),
    }
}

/// A dense matrix (rows × cols) rearranged into column tiles of NB: tile t
/// holds the rows' columns t·NB .. t·NB + NB, each row's NB values
/// contiguous; columns past the end are zero. A block of KB rows of a tile
/// (16 KiB) stays in the L1 cache while all sparse rows of a task pass it.
struct Tiles {
    data: Vec<f64>,
    rows: usize,
    cols: usize,
}

impl Tiles {
    fn of(d: &[f64], rows: usize, cols: usize) -> Tiles {
        assert_eq!(d.len(), rows * cols, "dense matrix size");
        let tiles = cols.div_ceil(NB);
        let mut data = vec![0.0; tiles * rows * NB];
        for t in 0..tiles {
            let (c0, w) = (t * NB, NB.min(cols - t * NB));
            for r in 0..rows {
                let dst = t * rows * NB + r * NB;
                data[dst..dst + w].copy_from_slice(&d[r * cols + c0..r * cols + c0 + w]);
            }
        }
        Tiles { data, rows, cols }
    }

    fn count(&self) -> usize {
        self.cols.div_ceil(NB)
    }

    /// Rows kb·KB .. kb·KB + KB of tile t.
    fn block(&self, t: usize, kb: usize) -> &[f64] {
        let tile = &self.data[t * self.rows * NB..(t + 1) * self.rows * NB];
        &tile[kb * KB * NB..((kb + 1) * KB).min(self.rows) * NB]
    }
}

/// Sparse rows taken in pairs, their entries grouped by blocks of KB columns:
/// for block kb and pair p the entries are `s..e` with
/// `s, e = start[kb · pairs + p], start[kb · pairs + p + 1]`: `col` is the
/// column within the block, `val` the two rows' values (one may be 0).
struct PairedRows {
    rows: usize,
    pairs: usize,
    blocks: usize,
    start: Vec<usize>,
    col: Vec<u8>,
    val: Vec<[f64; 2]>,
}

impl PairedRows {
    /// Value (r, j) of the sparse rows (r < rows, j < width) is
    /// `data[r · row_step + j · col_step]`.
    fn of(data: &[f64], rows: usize, width: usize, row_step: usize, col_step: usize) -> PairedRows {
        if rows > 0 && width > 0 {
            assert!(
                (rows - 1) * row_step + (width - 1) * col_step < data.len(),
                "sparse rows outside their data"
            );
        }
        let pairs = rows.div_ceil(2);
        let blocks = width.div_ceil(KB);
        let mut start = Vec::with_capacity(blocks * pairs + 1);
        start.push(0);
        let mut out = Compactor {
            col: vec![0; pairs * width],
            val: vec![[0.0; 2]; pairs * width],
            len: 0,
        };
        for kb in 0..blocks {
            let (j0, j1) = (kb * KB, ((kb + 1) * KB).min(width));
            for p in 0..pairs {
                // A missing last row reads row 2p again, with its values dropped.
                let (r1, r2) = (2 * p, (2 * p + 1).min(rows - 1));
                let keep2 = if 2 * p + 1 < rows { 1.0 } else { 0.0 };
                if col_step == 1 {
                    // Contiguous rows: skip runs of 8 zeros in both rows (image borders) at once.
                    let x1 = &data[r1 * row_step + j0..r1 * row_step + j1];
                    let x2 = &data[r2 * row_step + j0..r2 * row_step + j1];
                    for (c, (c1, c2)) in x1.chunks(8).zip(x2.chunks(8)).enumerate() {
                        if c1.iter().chain(c2).all(|&v| v == 0.0) {
                            continue;
                        }
                        for (i, (&v1, &v2)) in c1.iter().zip(c2).enumerate() {
                            out.put(8 * c + i, v1, v2 * keep2);
                        }
                    }
                } else {
                    for j in j0..j1 {
                        // SAFETY: r1, r2 < rows and j < width: within data (asserted above).
                        let (v1, v2) = unsafe {
                            (
                                *data.get_unchecked(r1 * row_step + j * col_step),
                                *data.get_unchecked(r2 * row_step + j * col_step),
                            )
                        };
                        out.put(j - j0, v1, v2 * keep2);
                    }
                }
                start.push(out.len);
            }
        }
        out.col.truncate(out.len);
        out.val.truncate(out.len);
        PairedRows {
            rows,
            pairs,
            blocks,
            start,
            col: out.col,
            val: out.val,
        }
    }
}

/// Branch-free compaction: every visited element is written at `len`, which
/// advances only past columns where either row is nonzero, so `len` never
/// exceeds the number of elements visited (the buffers' length).
struct Compactor {
    col: Vec<u8>,
    val: Vec<[f64; 2]>,
    len: usize,
}

impl Compactor {
    #[inline(always)]
    fn put(&mut self, j: usize, v1: f64, v2: f64) {
        assert!(self.len < self.col.len() && self.len < self.val.len());
        self.col[self.len] = j as u8;
        self.val[self.len] = [v1, v2];
        self.len += usize::from(v1 != 0.0 || v2 != 0.0);
    }
}

/// Calls `pair(p, entries, block, c0)` for every column tile, block of KB
/// dense rows and pair with entries there; the kernels below do the sums.
#[inline(always)]
fn for_each_pair(
    s: &PairedRows,
    d: &Tiles,
    mut pair: impl FnMut(usize, std::ops::Range<usize>, &[f64], usize),
) {
    for t in 0..d.count() {
        for kb in 0..s.blocks {
            let block = d.block(t, kb);
            for p in 0..s.pairs {
                let (from, to) = (s.start[kb * s.pairs + p], s.start[kb * s.pairs + p + 1]);
                if from < to {
                    pair(p, from..to, block, t * NB);
                }
            }
        }
    }
}

/// out[r, c0..] += sums for the columns that exist; a row past `out_rows` is skipped.
#[inline(always)]
fn add_sums(
    out: &mut [f64],
    r: usize,
    out_rows: usize,
    out_cols: usize,
    c0: usize,
    sums: &[f64; NB],
) {
    if r < out_rows {
        let w = NB.min(out_cols - c0);
        for (o, v) in out[r * out_cols + c0..r * out_cols + c0 + w]
            .iter_mut()
            .zip(sums)
        {
            *o += v;
        }
    }
}

/// out[2p, :], out[2p + 1, :] += Σ over the pair's entries of value · dense row.
/// Portable version: plain Rust, multiply then add.
fn kernel_portable(s: &PairedRows, d: &Tiles, out: &mut [f64], out_cols: usize) {
    for_each_pair(s, d, |p, entries, block, c0| {
        let (mut acc1, mut acc2) = ([0.0f64; NB], [0.0f64; NB]);
        for e in entries {
            let at = usize::from(s.col[e]) * NB;
            let row = &block[at..at + NB];
            let [v1, v2] = s.val[e];
            for q in 0..NB {
                acc1[q] += v1 * row[q];
                acc2[q] += v2 * row[q];
            }
        }
        add_sums(out, 2 * p, s.rows, out_cols, c0, &acc1);
        add_sums(out, 2 * p + 1, s.rows, out_cols, c0, &acc2);
    });
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! The same sums with explicit vector registers: 2 rows × 32 columns of
    //! sums never leave the registers while a pair's entries stream past.
    use super::{NB, PairedRows, Tiles, add_sums, for_each_pair};
    use std::arch::x86_64::*;

    /// AVX-512: 8 registers of 8 sums.
    #[target_feature(enable = "avx512f")]
    pub(super) fn avx512(s: &PairedRows, d: &Tiles, out: &mut [f64], out_cols: usize) {
        for_each_pair(s, d, |p, entries, block, c0| {
            let mut a = [_mm512_setzero_pd(); 4];
            let mut b = [_mm512_setzero_pd(); 4];
            for e in entries {
                let at = usize::from(s.col[e]) * NB;
                let row: &[f64; NB] = block[at..at + NB].try_into().expect("NB values");
                let (v1, v2) = (_mm512_set1_pd(s.val[e][0]), _mm512_set1_pd(s.val[e][1]));
                for q in 0..4 {
                    // SAFETY: row[8q..8q + 8] lies within the NB = 32 values of `row`.
                    let dq = unsafe { _mm512_loadu_pd(row.as_ptr().add(8 * q)) };
                    a[q] = _mm512_fmadd_pd(v1, dq, a[q]);
                    b[q] = _mm512_fmadd_pd(v2, dq, b[q]);
                }
            }
            let (r1, r2) = (2 * p * out_cols + c0, (2 * p + 1) * out_cols + c0);
            if c0 + NB <= out_cols && 2 * p + 1 < s.rows {
                // Full tile, both rows: add the sums to `out` a register at a time.
                for (at, sums) in [(r1, &a), (r2, &b)] {
                    let o = &mut out[at..at + NB];
                    for (q, sum) in sums.iter().enumerate() {
                        // SAFETY: o[8q..8q + 8] lies within its NB = 32 values.
                        unsafe {
                            let ptr = o.as_mut_ptr().add(8 * q);
                            _mm512_storeu_pd(ptr, _mm512_add_pd(_mm512_loadu_pd(ptr), *sum));
                        }
                    }
                }
                return;
            }
            let (mut sa, mut sb) = ([0.0f64; NB], [0.0f64; NB]);
            for q in 0..4 {
                // SAFETY: sa/sb[8q..8q + 8] lies within their NB = 32 values.
                unsafe {
                    _mm512_storeu_pd(sa.as_mut_ptr().add(8 * q), a[q]);
                    _mm512_storeu_pd(sb.as_mut_ptr().add(8 * q), b[q]);
                }
            }
            add_sums(out, 2 * p, s.rows, out_cols, c0, &sa);
            add_sums(out, 2 * p + 1, s.rows, out_cols, c0, &sb);
        });
    }

    /// AVX2 + FMA: the 32 columns in two halves, 8 registers of 4 sums each.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn avx2(s: &PairedRows, d: &Tiles, out: &mut [f64], out_cols: usize) {
        for_each_pair(s, d, |p, entries, block, c0| {
            let (mut sa, mut sb) = ([0.0f64; NB], [0.0f64; NB]);
            for half in 0..2 {
                let mut a = [_mm256_setzero_pd(); 4];
                let mut b = [_mm256_setzero_pd(); 4];
                for e in entries.clone() {
                    let at = usize::from(s.col[e]) * NB + 16 * half;
                    let row: &[f64; 16] = block[at..at + 16].try_into().expect("16 values");
                    let (v1, v2) = (_mm256_set1_pd(s.val[e][0]), _mm256_set1_pd(s.val[e][1]));
                    for q in 0..4 {
                        // SAFETY: row[4q..4q + 4] lies within the 16 values of `row`.
                        let dq = unsafe { _mm256_loadu_pd(row.as_ptr().add(4 * q)) };
                        a[q] = _mm256_fmadd_pd(v1, dq, a[q]);
                        b[q] = _mm256_fmadd_pd(v2, dq, b[q]);
                    }
                }
                for q in 0..4 {
                    // SAFETY: sa/sb[16 half + 4q..+4] lies within their NB = 32 values.
                    unsafe {
                        _mm256_storeu_pd(sa.as_mut_ptr().add(16 * half + 4 * q), a[q]);
                        _mm256_storeu_pd(sb.as_mut_ptr().add(16 * half + 4 * q), b[q]);
                    }
                }
            }
            add_sums(out, 2 * p, s.rows, out_cols, c0, &sa);
            add_sums(out, 2 * p + 1, s.rows, out_cols, c0, &sb);
        });
    }
}

/// out (+)= sparse rows · dense, with the widest vector unit the CPU has.
fn sparse_rows_times(s: &PairedRows, d: &Tiles, out: &mut [f64], out_cols: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked just above).
            return unsafe { x86::avx512(s, d, out, out_cols) };
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            return unsafe { x86::avx2(s, d, out, out_cols) };
        }
    }
    kernel_portable(s, d, out, out_cols)
}

/// C = A · B where A (m × k) is mostly zeros, e.g. `x · w[0]ᵀ`.
fn sparse_times_dense(a: &ArrayRef2<f64>, b: &ArrayRef2<f64>) -> Array2<f64> {
    let (m, k) = a.dim();
    let n = b.ncols();
    let b = b.view();
    let b = standard(&b);
    let tiles = Tiles::of(&b, k, n);
    let a = a.view();
    let a = standard(&a);
    let mut c = vec![0.0f64; m * n];
    c.par_chunks_mut(ROWS_PER_TASK * n)
        .enumerate()
        .for_each(|(task, c_rows)| {
            let r0 = task * ROWS_PER_TASK;
            let rows = c_rows.len() / n;
            let pairs = PairedRows::of(&a[r0 * k..(r0 + rows) * k], rows, k, k, 1);
            sparse_rows_times(&pairs, &tiles, c_rows, n);
        });
    Array2::from_shape_vec((m, n), c).expect("m · n elements")
}

/// C = A · B where B (k × n) is mostly zeros, e.g. `dz_1ᵀ · x`, computed as
/// Cᵀ = Bᵀ · Aᵀ: the columns of B are the sparse rows, Aᵀ is the dense matrix.
fn dense_times_sparse(a: &ArrayRef2<f64>, b: &ArrayRef2<f64>) -> Array2<f64> {
    let (m, k) = a.dim();
    let n = b.ncols();
    let a_t = a.t();
    let a_t = standard(&a_t);
    let b = b.view();
    let b = standard(&b);
    let part_len = k.div_ceil(PARTS).max(1);
    let partials: Vec<Vec<f64>> = (0..PARTS)
        .into_par_iter()
        .map(|part| {
            let (i0, i1) = ((part * part_len).min(k), ((part + 1) * part_len).min(k));
            let mut c_t = vec![0.0f64; n * m];
            if i0 < i1 {
                // Sparse row j is column j of B: entry i at b[(i0 + i) · n + j].
                let pairs = PairedRows::of(&b[i0 * n..i1 * n], n, i1 - i0, 1, n);
                let tiles = Tiles::of(&a_t[i0 * m..i1 * m], i1 - i0, m);
                sparse_rows_times(&pairs, &tiles, &mut c_t, m);
            }
            c_t
        })
        .collect();
    let mut c_t = vec![0.0f64; n * m];
    for p in &partials {
        for (t, &v) in c_t.iter_mut().zip(p) {
            *t += v;
        }
    }
    ArrayView2::from_shape((n, m), &c_t)
        .expect("n · m elements")
        .t()
        .as_standard_layout()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NumpyRng, randn};
    use approx::assert_relative_eq;
    use ndarray::s;

    fn random(rows: usize, cols: usize, seed: u32) -> Array2<f64> {
        randn((rows, cols), &mut NumpyRng::seed(seed))
    }

    /// About 62 % zeros, with odd sizes so that every tile has a partial edge.
    fn sparse(rows: usize, cols: usize, seed: u32) -> Array2<f64> {
        random(rows, cols, seed).mapv(|v| if v > 0.3 { v } else { 0.0 })
    }

    fn same(found: &Array2<f64>, expected: &Array2<f64>) {
        assert_relative_eq!(found, expected, epsilon = 1e-11, max_relative = 1e-12);
    }

    #[test]
    fn images_left_as_in_the_forward_pass() {
        let x = sparse(301, 785, 1);
        let w = random(45, 785, 2);
        assert!(zero_share(&x) > SPARSE_ENOUGH);
        same(&sparse_times_dense(&x, &w.t()), &x.dot(&w.t()));
        same(&product(&x, &w.t()), &x.dot(&w.t()));
        // an odd number of rows leaves one row without a partner
        let odd = x.slice(s![..7, ..]).to_owned();
        same(&sparse_times_dense(&odd, &w.t()), &odd.dot(&w.t()));
    }

    #[test]
    fn images_right_as_in_back_prop() {
        let x = sparse(1001, 71, 3);
        let dz = random(1001, 33, 4);
        same(&dense_times_sparse(&dz.t(), &x), &dz.t().dot(&x));
        same(&product(&dz.t(), &x), &dz.t().dot(&x));
        // a left factor that is not a transposed view is rearranged first
        let a = dz.t().to_owned();
        same(&dense_times_sparse(&a, &x), &a.dot(&x));
        // fewer inner rows than blocks, an odd number of sparse columns
        let few = x.slice(s![..5, ..]).to_owned();
        let a5 = random(20, 5, 5);
        same(&dense_times_sparse(&a5, &few), &a5.dot(&few));
    }

    #[test]
    fn every_kernel_agrees_with_the_portable_one() {
        let x = sparse(64, 200, 13);
        let w = random(200, 70, 14);
        let (xs, ws) = (x.as_slice().unwrap(), w.as_slice().unwrap());
        let pairs = PairedRows::of(xs, 64, 200, 200, 1);
        let dense = Tiles::of(ws, 200, 70);
        let mut portable = vec![0.0; 64 * 70];
        kernel_portable(&pairs, &dense, &mut portable, 70);
        let mut fast = vec![0.0; 64 * 70];
        sparse_rows_times(&pairs, &dense, &mut fast, 70);
        let (p, f) = (
            Array2::from_shape_vec((64, 70), portable).unwrap(),
            Array2::from_shape_vec((64, 70), fast).unwrap(),
        );
        same(&f, &p);
        same(&p, &x.dot(&w));
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            let mut avx2 = vec![0.0; 64 * 70];
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            unsafe { x86::avx2(&pairs, &dense, &mut avx2, 70) };
            same(&Array2::from_shape_vec((64, 70), avx2).unwrap(), &p);
        }
    }

    #[test]
    fn dense_small_and_empty_products_use_ndarray() {
        let a = random(200, 300, 6);
        let b = random(300, 50, 7);
        assert_eq!(product(&a, &b), a.dot(&b));
        let t = Array2::<f64>::eye(3);
        assert_eq!(product(&t, &t), t);
        let empty = Array2::<f64>::zeros((0, 4));
        assert_eq!(product(&empty, &Array2::zeros((4, 2))).shape(), &[0, 2]);
    }

    #[test]
    fn zero_rows_columns_and_all_zero_factors() {
        let mut x = sparse(300, 400, 8);
        x.row_mut(5).fill(0.0);
        x.column_mut(7).fill(0.0);
        let w = random(400, 64, 9);
        let c = sparse_times_dense(&x, &w);
        assert!(c.row(5).iter().all(|&v| v == 0.0));
        same(&c, &x.dot(&w));
        let zeros = Array2::<f64>::zeros((300, 400));
        assert_eq!(
            sparse_times_dense(&zeros, &w),
            Array2::<f64>::zeros((300, 64))
        );
    }

    #[test]
    fn result_does_not_depend_on_the_number_of_threads() {
        let x = sparse(700, 300, 10);
        let w = random(300, 70, 11);
        let dz = random(700, 40, 12);
        let all = (product(&x, &w), product(&dz.t(), &x));
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| (product(&x, &w), product(&dz.t(), &x)));
        assert_eq!(all, one);
    }
}
