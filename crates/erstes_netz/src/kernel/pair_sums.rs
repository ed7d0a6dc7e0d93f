//! The inner loop of both sparse products: two sparse rows times a block of
//! the dense matrix.
//!
//! Idea: a 64-bit mask says which of the block's KB dense rows meet a
//! nonzero value in either sparse row; the loop visits only those
//! (`trailing_zeros`, then clear the bit). Each dense row of the block is
//! loaded once and feeds both sparse rows, and the 2 × NB sums stay in
//! vector registers (AVX-512: 16 registers; AVX2 takes one row, in two
//! halves of 8 registers). The
//! values are read straight from the images (with a stride), so no sparse
//! copy of the images is built. The earlier kernel built one in every
//! product, as many bytes as the images have. Reading the images in place,
//! together with tasks sized for the L2 cache (`sparse_left.rs`,
//! `sparse_right.rs`), took the two big products of a Fashion-MNIST epoch
//! from 353 + 326 ms to about 145 + 130 ms (README, "Wohin die Zeit geht").
//! One sparse row per call instead of a pair was measured too: on a Zen 5
//! (AVX-512) 4 % faster on MNIST, 25 % slower on Fashion-MNIST, so pairs it
//! is there; on a Zen 1 (AVX2) one row per call is faster ([`kernel`]).
//!
//! The values come from the images themselves or, for images whose pattern
//! the command line keeps (`kept.rs`), from one-byte codes into a table of
//! their at most 256 different values ([`Values::Coded`]): the same values,
//! an eighth of the bytes to read.

use super::{KB, NB};

/// One call of the inner loop: for every set bit j of `mask`,
/// `sums1 += v1[j · s1] · block[j]` and `sums2 += v2[j · s2] · block[j]`
/// (block row j has NB values; v1, v2 as [`Values`] give them); then
/// `out1 += sums1`, `out2 += sums2` for the `out1.len()` (≤ NB) columns that exist.
pub(super) struct Pair<'a> {
    pub mask: u64,
    pub values: Values<'a>,
    pub s1: usize,
    /// A missing second row has stride 0 (and no `out2`).
    pub s2: usize,
    pub block: &'a [f64],
    pub out1: &'a mut [f64],
    pub out2: Option<&'a mut [f64]>,
}

/// As many different values as one-byte codes can name.
pub(super) const CODES: usize = 256;

/// One-byte codes laid out as the values they stand for, and the table of
/// those values (`kept.rs`).
pub(super) type Coded<'a> = (&'a [u8], &'a [f64; CODES]);

/// Where the values of a pair's two sparse rows are read.
#[derive(Clone, Copy)]
pub(super) enum Values<'a> {
    /// The values themselves: v1 = `r1`, v2 = `r2`. A missing second row is `&ZERO`.
    Plain { r1: &'a [f64], r2: &'a [f64] },
    /// One-byte codes: v1[i] = `table[c1[i]]`, v2[i] = `table[c2[i]]`. A missing
    /// second row is `&[0]`.
    Coded {
        c1: &'a [u8],
        c2: &'a [u8],
        table: &'a [f64; CODES],
    },
}

impl<'a> Values<'a> {
    /// Rows `r1` and `r2` (ranges of `x`) of the values `x`, or of their
    /// `codes` (laid out as `x`) where there are codes.
    #[inline(always)]
    pub fn of(
        x: &'a [f64],
        codes: Option<Coded<'a>>,
        r1: std::ops::Range<usize>,
        r2: Option<std::ops::Range<usize>>,
    ) -> Values<'a> {
        match codes {
            None => Values::Plain {
                r1: &x[r1],
                r2: r2.map_or(&ZERO[..], |r| &x[r]),
            },
            Some((c, table)) => Values::Coded {
                c1: &c[r1],
                c2: r2.map_or(&[0u8][..], |r| &c[r]),
                table,
            },
        }
    }

    fn lens(&self) -> (usize, usize) {
        match self {
            Values::Plain { r1, r2 } => (r1.len(), r2.len()),
            Values::Coded { c1, c2, .. } => (c1.len(), c2.len()),
        }
    }
}

/// A sparse row's values as the loops read them, without bounds checks.
trait Row: Copy {
    /// Value i.
    ///
    /// # Safety
    /// i lies within the row.
    unsafe fn at(self, i: usize) -> f64;
}

#[derive(Clone, Copy)]
struct PlainRow(*const f64);

impl Row for PlainRow {
    #[inline(always)]
    unsafe fn at(self, i: usize) -> f64 {
        // SAFETY: the caller keeps i within the row.
        unsafe { *self.0.add(i) }
    }
}

#[derive(Clone, Copy)]
struct CodedRow(*const u8, *const f64);

impl Row for CodedRow {
    #[inline(always)]
    unsafe fn at(self, i: usize) -> f64 {
        // SAFETY: the caller keeps i within the row; a code indexes the 256-value table.
        unsafe { *self.1.add(usize::from(*self.0.add(i))) }
    }
}

/// Evaluates `$body` with `$r1`, `$r2` bound to the rows of `$p.values` as [`Row`]s
/// (the loop in `$body` is compiled once for plain and once for coded values).
macro_rules! with_rows {
    ($p:expr, |$r1:ident, $r2:ident| $body:expr) => {
        match $p.values {
            Values::Plain { r1, r2 } => {
                let ($r1, $r2) = (PlainRow(r1.as_ptr()), PlainRow(r2.as_ptr()));
                $body
            }
            Values::Coded { c1, c2, table } => {
                let t = table.as_ptr();
                let ($r1, $r2) = (CodedRow(c1.as_ptr(), t), CodedRow(c2.as_ptr(), t));
                $body
            }
        }
    };
}

/// The second row of a pair whose first row is the last one.
pub(super) static ZERO: [f64; 1] = [0.0];

/// The inner loop for the widest vector unit this CPU has (chosen once per
/// product), and whether the products hand it two sparse rows per call.
#[derive(Clone, Copy)]
pub(super) struct Kernel {
    pub run: Loop,
    pub pairs: bool,
}

/// One inner loop: sums for the set bits of a pair's mask.
pub(super) type Loop = unsafe fn(&mut Pair);

impl Pair<'_> {
    /// Checks that every value the mask selects lies within the slices, then runs `kernel`.
    #[inline(always)]
    pub fn run(&mut self, kernel: Kernel) {
        if self.mask == 0 {
            return;
        }
        let last = 63 - self.mask.leading_zeros() as usize;
        let (len1, len2) = self.values.lens();
        assert!(
            last * self.s1 < len1
                && last * self.s2 < len2
                && (last + 1) * NB <= self.block.len()
                && self.out1.len() <= NB
                && self
                    .out2
                    .as_ref()
                    .is_none_or(|o| o.len() == self.out1.len()),
            "pair sums outside their arrays"
        );
        // SAFETY: the bounds are checked just above; `kernel` comes from `kernel()`,
        // which checked the CPU features it needs.
        unsafe { (kernel.run)(self) }
    }
}

/// The fastest inner loop for this CPU.
///
/// AVX-512 and the portable loop take pairs: each dense row loaded feeds two
/// sparse rows (on a Zen 5, one row per call was 4 % faster on MNIST but
/// 25 % slower on Fashion-MNIST). AVX2 takes one row: a Zen 1 splits each
/// 256-bit FMA in two and loads one 256-bit vector per cycle, so a row alone
/// keeps its FMA units as busy as a pair, and it skips the pixels that are
/// zero in it but not in a partner (Fashion-MNIST: 49.8 % of the pixels
/// instead of 60.3 %). Measured on a Zen 1, 60,000 images, minimum of 4
/// calls, 3 alternating pairs: x·W₀ᵀ 612–628 against 674–736 ms on
/// Fashion-MNIST, 303–319 against 366–369 ms on tiled MNIST digits; dz₁ᵀ·x
/// 691–724 against 745–818 ms and 327–388 against 429–448 ms. Other AVX2
/// CPUs (Intel, Zen 2–4) were not measured. On an Intel Xeon with AVX-512,
/// one row per call (8 registers) was slower: x·W₀ᵀ 244–249 against 214–221
/// ms, dz₁ᵀ·x 300–303 against 216–228 ms (Fashion-MNIST, same measurement).
pub(super) fn kernel() -> Kernel {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            return Kernel {
                run: x86::avx512,
                pairs: true,
            };
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Kernel {
                run: x86::avx2,
                pairs: false,
            };
        }
    }
    Kernel {
        run: portable,
        pairs: true,
    }
}

/// out += sums for the columns that exist.
#[inline(always)]
fn add(out: &mut [f64], sums: &[f64; NB]) {
    for (o, s) in out.iter_mut().zip(sums) {
        *o += s;
    }
}

/// Plain Rust, multiply then add.
///
/// # Safety
/// The bounds of [`Pair::run`] must hold.
pub(super) unsafe fn portable(p: &mut Pair) {
    // SAFETY: as for this function.
    with_rows!(p, |r1, r2| unsafe { portable_rows(p, r1, r2) })
}

/// [`portable`] for the rows r1, r2 of `p.values`.
///
/// # Safety
/// The bounds of [`Pair::run`] must hold.
unsafe fn portable_rows<V: Row>(p: &mut Pair, r1: V, r2: V) {
    let (mut acc1, mut acc2) = ([0.0f64; NB], [0.0f64; NB]);
    let mut mask = p.mask;
    while mask != 0 {
        let j = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        let row = &p.block[j * NB..j * NB + NB];
        // SAFETY: j ≤ the mask's highest bit, for which Pair::run checked the bounds.
        let (v1, v2) = unsafe { (r1.at(j * p.s1), r2.at(j * p.s2)) };
        for q in 0..NB {
            acc1[q] += v1 * row[q];
            acc2[q] += v2 * row[q];
        }
    }
    add(p.out1, &acc1);
    if let Some(out2) = p.out2.as_deref_mut() {
        add(out2, &acc2);
    }
}

#[cfg(target_arch = "x86_64")]
pub(super) mod x86 {
    use super::{CodedRow, KB, NB, Pair, PlainRow, Row, Values, add};
    use std::arch::x86_64::*;

    const _: () = assert!(
        NB == 64 && KB == 64,
        "the kernels assume 64 columns, 64-bit masks"
    );

    /// AVX-512: 2 rows × 8 registers of 8 sums (16 of the 32 registers); a
    /// narrower last tile (44 of 64 columns for 300 hidden neurons) uses
    /// only the registers it needs, which saves 5 % of the work there.
    ///
    /// # Safety
    /// The CPU has AVX-512F; the bounds of [`Pair::run`] hold.
    #[target_feature(enable = "avx512f,bmi1")]
    pub(in super::super) unsafe fn avx512(p: &mut Pair) {
        // SAFETY: as for this function.
        with_rows!(p, |r1, r2| unsafe { avx512_rows(p, r1, r2) })
    }

    /// [`avx512`] for the rows r1, r2 of `p.values`.
    #[target_feature(enable = "avx512f,bmi1")]
    unsafe fn avx512_rows<V: Row>(p: &mut Pair, r1: V, r2: V) {
        // SAFETY (all arms): as for `avx512`.
        unsafe {
            match p.out1.len().div_ceil(8) {
                1 => avx512_regs::<1, V>(p, r1, r2),
                2 => avx512_regs::<2, V>(p, r1, r2),
                3 => avx512_regs::<3, V>(p, r1, r2),
                4 => avx512_regs::<4, V>(p, r1, r2),
                5 => avx512_regs::<5, V>(p, r1, r2),
                6 => avx512_regs::<6, V>(p, r1, r2),
                7 => avx512_regs::<7, V>(p, r1, r2),
                _ => avx512_regs::<8, V>(p, r1, r2),
            }
        }
    }

    /// The sums of the first R registers (8 R columns) of each row.
    #[target_feature(enable = "avx512f,bmi1")]
    #[inline]
    unsafe fn avx512_regs<const R: usize, V: Row>(p: &mut Pair, r1: V, r2: V) {
        let mut a = [_mm512_setzero_pd(); 8];
        let mut b = [_mm512_setzero_pd(); 8];
        let block = p.block.as_ptr();
        let mut mask = p.mask;
        while mask != 0 {
            let j = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            // SAFETY: j ≤ the mask's highest bit, for which Pair::run checked the bounds.
            unsafe {
                let (x1, x2) = (
                    _mm512_set1_pd(r1.at(j * p.s1)),
                    _mm512_set1_pd(r2.at(j * p.s2)),
                );
                let row = block.add(j * NB);
                for q in 0..R {
                    let d = _mm512_loadu_pd(row.add(8 * q));
                    a[q] = _mm512_fmadd_pd(x1, d, a[q]);
                    b[q] = _mm512_fmadd_pd(x2, d, b[q]);
                }
            }
        }
        finish(p, &a, &b);
    }

    /// out1 += a, out2 += b: a register at a time for a full tile.
    #[target_feature(enable = "avx512f")]
    fn finish(p: &mut Pair, a: &[__m512d; 8], b: &[__m512d; 8]) {
        let full = p.out1.len() == NB;
        for (out, sums) in [(Some(&mut *p.out1), a), (p.out2.as_deref_mut(), b)] {
            let Some(out) = out else { continue };
            if full {
                for (q, sum) in sums.iter().enumerate() {
                    // SAFETY: out has NB = 64 values, 8q + 8 ≤ 64.
                    unsafe {
                        let ptr = out.as_mut_ptr().add(8 * q);
                        _mm512_storeu_pd(ptr, _mm512_add_pd(_mm512_loadu_pd(ptr), *sum));
                    }
                }
            } else {
                let mut s = [0.0f64; NB];
                for (q, sum) in sums.iter().enumerate() {
                    // SAFETY: s has NB = 64 values, 8q + 8 ≤ 64.
                    unsafe { _mm512_storeu_pd(s.as_mut_ptr().add(8 * q), *sum) };
                }
                add(out, &s);
            }
        }
    }

    /// Bits of the 8 values at `p` that are nonzero (NaN counts as nonzero).
    #[target_feature(enable = "avx512f")]
    unsafe fn nonzero8(p: *const f64) -> u8 {
        // SAFETY: the caller guarantees 8 readable values at p.
        unsafe { _mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(_mm512_loadu_pd(p), _mm512_setzero_pd()) }
    }

    /// [`super::row_masks`] with 8 compares per instruction.
    #[target_feature(enable = "avx512f")]
    pub(in super::super) unsafe fn row_masks(r1: &[f64], r2: Option<&[f64]>, masks: &mut [u64]) {
        let full = r1.len() / 8;
        let mut bits = |r: &[f64], or: bool| {
            for (kb, mask) in masks.iter_mut().enumerate() {
                let mut m = 0u64;
                for c in 0..8 {
                    let at = kb * 8 + c;
                    let byte = if at < full {
                        // SAFETY: at < r.len() / 8, so 8 values from 8 · at are in r.
                        unsafe { nonzero8(r.as_ptr().add(8 * at)) }
                    } else {
                        let tail = r.get(8 * at..).unwrap_or(&[]);
                        tail.iter()
                            .take(8)
                            .enumerate()
                            .fold(0u8, |b, (i, &v)| b | (u8::from(v != 0.0) << i))
                    };
                    m |= u64::from(byte) << (8 * c);
                }
                *mask = if or { *mask | m } else { m };
            }
        };
        bits(r1, false);
        if let Some(r2) = r2 {
            assert_eq!(r2.len(), r1.len(), "rows of a pair");
            bits(r2, true);
        }
    }

    /// [`super::column_pair_masks`]: per row and 8 pairs (16 values), two
    /// compares, an OR of each pair's two bits, and one masked OR of bit i
    /// into the 8 pairs' masks.
    #[target_feature(enable = "avx512f,bmi2")]
    pub(in super::super) unsafe fn column_pair_masks(
        rows: &[f64],
        n: usize,
        j0: usize,
        cols: usize,
        masks: &mut [u64],
    ) {
        let groups = cols / 16;
        for (i, row) in rows.chunks_exact(n).enumerate().take(KB) {
            let row = &row[j0..j0 + cols];
            let bit = _mm512_set1_epi64(1i64 << i);
            for g in 0..groups {
                // SAFETY: 16 g + 16 ≤ cols = row.len(); masks has cols / 2 ≥ 8 g + 8 entries.
                unsafe {
                    let lo = nonzero8(row.as_ptr().add(16 * g));
                    let hi = nonzero8(row.as_ptr().add(16 * g + 8));
                    let both = u16::from(lo) | (u16::from(hi) << 8);
                    // Pair q's bit is bit 2q of `both | both >> 1`: gather the even bits.
                    let m8 = _pext_u32(u32::from(both | (both >> 1)), 0x5555) as u8;
                    let at = masks.as_mut_ptr().add(8 * g) as *mut __m512i;
                    let old = _mm512_loadu_si512(at as *const _);
                    _mm512_storeu_si512(at as *mut _, _mm512_mask_or_epi64(old, m8, old, bit));
                }
            }
            for (p, pair) in row[16 * groups..].chunks(2).enumerate() {
                masks[8 * groups + p] |= u64::from(pair.iter().any(|&v| v != 0.0)) << i;
            }
        }
    }

    /// AVX2 + FMA, one sparse row at a time: the 64 columns in two halves of
    /// 8 registers of 4 sums. A pair runs as its two rows, one after the other.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA; the bounds of [`Pair::run`] hold.
    #[target_feature(enable = "avx2,fma,bmi1")]
    pub(in super::super) unsafe fn avx2(p: &mut Pair) {
        let block = p.block.as_ptr();
        with_rows!(p, |r1, r2| {
            // SAFETY: as for this function; Pair::run checked both rows.
            unsafe { avx2_row(p.mask, r1, p.s1, block, p.out1) };
            if let Some(out2) = p.out2.as_deref_mut() {
                // SAFETY: as above.
                unsafe { avx2_row(p.mask, r2, p.s2, block, out2) };
            }
        })
    }

    /// `out += Σ v[j · s] · block[j]` over the set bits j of `mask`.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA; `v[j · s]` and block row j exist for every set bit.
    #[target_feature(enable = "avx2,fma,bmi1")]
    unsafe fn avx2_row<V: Row>(mask: u64, v: V, s: usize, block: *const f64, out: &mut [f64]) {
        let mut sums = [0.0f64; NB];
        for half in 0..2 {
            let mut a = [_mm256_setzero_pd(); 8];
            let mut bits = mask;
            while bits != 0 {
                let j = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                // SAFETY: j is a set bit of the mask, whose values the caller vouches for.
                unsafe {
                    let x = _mm256_set1_pd(v.at(j * s));
                    let row = block.add(j * NB + 32 * half);
                    for (q, sum) in a.iter_mut().enumerate() {
                        *sum = _mm256_fmadd_pd(x, _mm256_loadu_pd(row.add(4 * q)), *sum);
                    }
                }
            }
            for (q, sum) in a.iter().enumerate() {
                // SAFETY: 32 half + 4q + 4 ≤ 64 = NB.
                unsafe { _mm256_storeu_pd(sums.as_mut_ptr().add(32 * half + 4 * q), *sum) };
            }
        }
        add(out, &sums);
    }
}

/// Bit j set where `r1[j]` or `r2[j]` is nonzero (at most 64 values).
#[inline(always)]
fn nonzero_mask_plain(r1: &[f64], r2: Option<&[f64]>) -> u64 {
    let mut mask = 0u64;
    for r in [Some(r1), r2].into_iter().flatten() {
        for (j, &v) in r.iter().enumerate().take(KB) {
            mask |= u64::from(v != 0.0) << j;
        }
    }
    mask
}

/// The masks of a pair of rows for every block of KB values:
/// `masks[kb]` has bit j set where `r1[kb · KB + j]` or `r2[…]` is nonzero.
pub(super) fn row_masks(r1: &[f64], r2: Option<&[f64]>, masks: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F (checked just above).
        return unsafe { x86::row_masks(r1, r2, masks) };
    }
    for (kb, mask) in masks.iter_mut().enumerate() {
        let j = kb * KB..((kb + 1) * KB).min(r1.len());
        *mask = nonzero_mask_plain(&r1[j.clone()], r2.map(|r| &r[j]));
    }
}

/// For a block of up to KB rows of width `n`, the masks of the column pairs
/// `j0 + 2p, j0 + 2p + 1` (p < `masks.len()`): bit i set where row i has a
/// nonzero value in either column. `rows` holds the block's rows back to back.
pub(super) fn column_pair_masks(rows: &[f64], n: usize, j0: usize, cols: usize, masks: &mut [u64]) {
    masks.fill(0);
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("bmi2") {
        // SAFETY: the CPU has AVX-512F and BMI2 (checked just above).
        return unsafe { x86::column_pair_masks(rows, n, j0, cols, masks) };
    }
    column_pair_masks_plain(rows, n, j0, cols, masks);
}

/// Like [`column_pair_masks`], one column per mask: `masks[q]`, bit i, is set
/// where row i has column j0 + q nonzero. Its own loop: the pair loop with
/// `chunks(1)` made dz₁ᵀ·x on the MNIST digits 20–30 % slower (measured).
pub(super) fn column_masks(rows: &[f64], n: usize, j0: usize, cols: usize, masks: &mut [u64]) {
    masks.fill(0);
    for (i, row) in rows.chunks_exact(n).enumerate().take(KB) {
        for (mask, &v) in masks.iter_mut().zip(&row[j0..j0 + cols]) {
            *mask |= u64::from(v != 0.0) << i;
        }
    }
}

fn column_pair_masks_plain(rows: &[f64], n: usize, j0: usize, cols: usize, masks: &mut [u64]) {
    for (i, row) in rows.chunks_exact(n).enumerate().take(KB) {
        for (mask, pair) in masks.iter_mut().zip(row[j0..j0 + cols].chunks(2)) {
            *mask |= u64::from(pair.iter().any(|&v| v != 0.0)) << i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values with zeros in irregular places, NaN counted as nonzero, -0.0 as zero.
    fn row(len: usize, seed: usize) -> Vec<f64> {
        (0..len)
            .map(|j| match (j * 7 + seed * 13) % 5 {
                0 | 1 => 0.0,
                2 => -0.0,
                3 if j % 11 == 0 => f64::NAN,
                _ => j as f64 + 0.5,
            })
            .collect()
    }

    fn expected_bit(v: f64) -> bool {
        v != 0.0 || v.is_nan()
    }

    #[test]
    fn row_masks_mark_the_nonzero_values_of_either_row() {
        for len in [1, 63, 64, 65, 200, 784] {
            let (r1, r2) = (row(len, 1), row(len, 2));
            let blocks = len.div_ceil(KB);
            let mut one = vec![0u64; blocks];
            let mut both = vec![u64::MAX; blocks];
            row_masks(&r1, None, &mut one);
            row_masks(&r1, Some(&r2), &mut both);
            for j in 0..len {
                let bit = |m: &[u64]| m[j / KB] >> (j % KB) & 1 == 1;
                assert_eq!(bit(&one), expected_bit(r1[j]), "len {len}, value {j}");
                assert_eq!(
                    bit(&both),
                    expected_bit(r1[j]) || expected_bit(r2[j]),
                    "len {len}, value {j}"
                );
            }
            // no bits past the end of the row
            let tail = len % KB;
            if tail != 0 {
                assert_eq!(both[blocks - 1] >> tail, 0);
            }
        }
    }

    #[test]
    fn column_pair_masks_mark_rows_with_either_column_nonzero() {
        let n = 71;
        for rows in [1, 5, 64] {
            let data: Vec<f64> = (0..rows).flat_map(|i| row(n, i)).collect();
            for (j0, cols) in [(0usize, 71usize), (3, 32), (40, 31), (0, 16)] {
                let mut masks = vec![u64::MAX; cols.div_ceil(2)];
                column_pair_masks(&data, n, j0, cols, &mut masks);
                let mut plain = vec![0u64; cols.div_ceil(2)];
                column_pair_masks_plain(&data, n, j0, cols, &mut plain);
                assert_eq!(masks, plain);
                for (p, mask) in masks.iter().enumerate() {
                    for i in 0..rows {
                        let at = |j: usize| {
                            (j < j0 + cols)
                                .then(|| data[i * n + j])
                                .is_some_and(expected_bit)
                        };
                        let expected = at(j0 + 2 * p) || at(j0 + 2 * p + 1);
                        assert_eq!(
                            mask >> i & 1 == 1,
                            expected,
                            "rows {rows}, pair {p}, row {i}"
                        );
                    }
                    assert_eq!(mask.checked_shr(rows as u32).unwrap_or(0), 0);
                }
            }
        }
    }

    #[test]
    fn column_masks_mark_rows_with_the_column_nonzero() {
        // rows × 3 columns, from column 1 on: row 0 has columns 1 and 3, row 1 column 2,
        // row 2 only -0.0 (zero); NaN counts as nonzero
        let data = [
            [9.0, 1.0, 0.0, 2.0],
            [9.0, 0.0, f64::NAN, 0.0],
            [9.0, -0.0, 0.0, -0.0],
        ];
        let mut masks = [u64::MAX; 3];
        column_masks(data.as_flattened(), 4, 1, 3, &mut masks);
        assert_eq!(masks, [0b001, 0b010, 0b001]);
    }

    #[test]
    fn plain_and_vector_masks_agree() {
        let r: Vec<f64> = row(784, 3);
        let mut plain = vec![0u64; 13];
        for (kb, m) in plain.iter_mut().enumerate() {
            *m = nonzero_mask_plain(&r[kb * KB..((kb + 1) * KB).min(784)], None);
        }
        let mut fast = vec![0u64; 13];
        row_masks(&r, None, &mut fast);
        assert_eq!(plain, fast);
    }
}
