//! The matrix product behind [`crate::matmul`], one file per kernel.
//!
//! * Dense products go to ndarray (matrixmultiply, on all cores).
//! * A product with a factor that is mostly zeros – the images: MNIST is
//!   about 81 % zeros, Fashion-MNIST about 50 % – skips the zeros:
//!   [`sparse_left`] for `x · w[0]ᵀ` (images left), [`sparse_right`] for
//!   `dz_1ᵀ · x` (images right), both on the inner loop in [`pair_sums`].
//! * A product with one small dimension (the 10 classes) reads its big
//!   factor once on all cores: [`thin`].
//!
//! All of it is plain Rust: AVX-512 or AVX2 with FMA when the CPU has them
//! (checked at run time), otherwise portable code. Results agree with the
//! dense product up to rounding (relative differences around 1e-15) and do
//! not depend on the number of cores.

#[macro_use]
mod vector;
#[cfg(target_arch = "x86_64")]
mod exp_table;
mod fused;
mod kept;
mod libm_exp;
mod pages;
mod pair_sums;
mod row_dots;
mod sigmoid;
mod sparse_left;
mod sparse_right;
mod thin;
mod tiles;

use std::borrow::Cow;

use ndarray::{Array2, ArrayRef2, ArrayView2};

pub(crate) use fused::{hidden_gradients, hidden_layer};
pub use kept::ImagePattern;
use kept::Kept;
pub(crate) use libm_exp::sigmoid_to_for_cpu;
pub(crate) use pages::zeroed;
use pages::zeroed_in_parts;
use thin::THIN;

/// Below this many multiply-adds, the plain product is fastest.
const SMALL: usize = 1 << 20;
/// Share of zeros from which skipping them pays off.
const SPARSE_ENOUGH: f64 = 0.3;
/// Columns per tile: 64 f64, eight AVX-512 registers per sparse row.
const NB: usize = 64;
/// Dense rows per block, one bit each in a u64 mask.
const KB: usize = 64;

/// `a · b` for matrices whose shapes fit (checked by the caller).
pub(crate) fn product(a: &ArrayRef2<f64>, b: &ArrayRef2<f64>) -> Array2<f64> {
    let (m, k) = a.dim();
    let n = b.ncols();
    if m.saturating_mul(k).saturating_mul(n) < SMALL {
        return a.dot(b);
    }
    let (a_view, b_view) = (a.view(), b.view());
    let (a_t, b_t) = (a_view.t(), b_view.t());
    let shape = (m, k, n);
    let c = if n <= THIN {
        thin::few_columns(&standard(&a_view), &standard(&b_t), shape)
    } else if k <= THIN {
        thin::short_inner(&standard(&a_view), &standard(&b_view), shape)
    } else if m <= THIN {
        thin::few_rows(&standard(&a_t), &standard(&b_view), shape)
    } else if zero_share(a) >= SPARSE_ENOUGH {
        let (x, kernel) = (standard(&a_view), pair_sums::kernel());
        let kept = Kept::find(&x, m, k);
        let codes = kept.as_deref().and_then(Kept::codes);
        let kept = kept.as_deref().and_then(|p| p.left(kernel));
        sparse_left::product(&x, &standard(&b_view), shape, kernel, kept, codes)
    } else if zero_share(b) >= SPARSE_ENOUGH {
        let (x, kernel) = (standard(&b_view), pair_sums::kernel());
        let kept = Kept::find(&x, k, n);
        let codes = kept.as_deref().and_then(Kept::codes);
        let kept = kept.as_deref().and_then(|p| p.right(kernel));
        let c_t = sparse_right::product_t(&standard(&a_t), &x, shape, kernel, kept, codes);
        return transposed(&c_t, n, m);
    } else {
        return a.dot(b);
    };
    Array2::from_shape_vec((m, n), c).expect("m · n elements")
}

/// The (cols × rows) transpose of the row-major rows × cols matrix `d`, row-major.
fn transposed(d: &[f64], rows: usize, cols: usize) -> Array2<f64> {
    ArrayView2::from_shape((rows, cols), d)
        .expect("rows · cols elements")
        .t()
        .as_standard_layout()
        .into_owned()
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

    /// Every inner loop this CPU can run, each with pairs and with one row per call.
    fn kernels() -> Vec<(&'static str, pair_sums::Kernel)> {
        use pair_sums::Kernel;
        let mut loops: Vec<(&'static str, pair_sums::Loop)> =
            vec![("portable", pair_sums::portable)];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                loops.push(("avx2", pair_sums::x86::avx2));
            }
            if is_x86_feature_detected!("avx512f") {
                loops.push(("avx512", pair_sums::x86::avx512));
            }
        }
        let mut all = Vec::new();
        for (name, run) in loops {
            all.push((name, Kernel { run, pairs: true }));
            all.push((name, Kernel { run, pairs: false }));
        }
        all
    }

    fn left(x: &Array2<f64>, d: &Array2<f64>, kernel: pair_sums::Kernel) -> Array2<f64> {
        let shape = (x.nrows(), x.ncols(), d.ncols());
        let c = sparse_left::product(
            x.as_slice().unwrap(),
            d.as_slice().unwrap(),
            shape,
            kernel,
            None,
            None,
        );
        Array2::from_shape_vec((shape.0, shape.2), c).unwrap()
    }

    fn right(a: &Array2<f64>, x: &Array2<f64>, kernel: pair_sums::Kernel) -> Array2<f64> {
        let (m, k, n) = (a.nrows(), a.ncols(), x.ncols());
        let a_t = a.t().as_standard_layout().into_owned();
        let c_t = sparse_right::product_t(
            a_t.as_slice().unwrap(),
            x.as_slice().unwrap(),
            (m, k, n),
            kernel,
            None,
            None,
        );
        transposed(&c_t, n, m)
    }

    #[test]
    fn images_left_as_in_the_forward_pass() {
        let x = sparse(301, 785, 1);
        let w = random(45, 785, 2);
        assert!(zero_share(&x) > SPARSE_ENOUGH);
        let expected = x.dot(&w.t());
        same(&product(&x, &w.t()), &expected);
        let w_t = w.t().as_standard_layout().into_owned();
        // an odd number of rows leaves one row without a partner
        let odd = x.slice(s![..7, ..]).to_owned();
        for (name, kernel) in kernels() {
            println!("{name}");
            same(&left(&x, &w_t, kernel), &expected);
            same(&left(&odd, &w_t, kernel), &odd.dot(&w_t));
        }
    }

    #[test]
    fn images_right_as_in_back_prop() {
        // more images than one panel, an odd number of pixels
        let x = sparse(2100, 71, 3);
        let dz = random(2100, 33, 4);
        let expected = dz.t().dot(&x);
        same(&product(&dz.t(), &x), &expected);
        // a left factor that is not a transposed view is rearranged first
        let a = dz.t().to_owned();
        same(&product(&a, &x), &expected);
        // fewer images than a block
        let few = x.slice(s![..5, ..]).to_owned();
        let a5 = random(20, 5, 5);
        for (name, kernel) in kernels() {
            println!("{name}");
            same(&right(&a, &x, kernel), &expected);
            same(&right(&a5, &few, kernel), &a5.dot(&few));
        }
    }

    #[test]
    fn products_with_a_small_dimension_as_in_the_second_layer() {
        let a_1 = random(3001, 300, 15).mapv(|v| 1.0 / (1.0 + (-v).exp()));
        let w_1 = random(10, 300, 16);
        let dz_2 = random(3001, 10, 17);
        // a_1 · w[1]ᵀ: 10 columns; dz_2 · w[1]: inner dimension 10; dz_2ᵀ · a_1: 10 rows
        same(&product(&a_1, &w_1.t()), &a_1.dot(&w_1.t()));
        same(&product(&dz_2, &w_1), &dz_2.dot(&w_1));
        same(&product(&dz_2.t(), &a_1), &dz_2.t().dot(&a_1));
        // other layouts of the same factors, and dimensions not a multiple of 8
        let odd = random(5000, 13, 18);
        same(&product(&odd.t(), &odd), &odd.t().dot(&odd));
        let b = random(13, 700, 19);
        same(&product(&odd, &b), &odd.dot(&b));
        same(&product(&b.t(), &odd.t()), &b.t().dot(&odd.t()));
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

    /// Pairing images by their nonzero pixels changes which zeros a pair
    /// multiplies, never an image's own sums: each row alone gives the same bits.
    #[test]
    fn pairing_the_images_changes_no_bit() {
        let x = sparse(130, 200, 21);
        let w = random(200, 70, 22);
        for (name, kernel) in kernels() {
            let all = left(&x, &w, kernel);
            for i in 0..x.nrows() {
                let one = left(&x.slice(s![i..=i, ..]).to_owned(), &w, kernel);
                assert_eq!(
                    all.row(i),
                    one.row(0),
                    "{name}, pairs {}, row {i}",
                    kernel.pairs
                );
            }
        }
    }

    /// Two images (x·W₀ᵀ) or pixels (dz₁ᵀ·x) per call or one: each sum adds
    /// the same products in the same order (a pair's extra ones are zeros),
    /// so the bits are the same.
    #[test]
    fn pairs_and_single_rows_give_the_same_bits() {
        let x = sparse(700, 71, 23);
        let (a, d) = (random(33, 700, 24), random(71, 33, 25));
        for both in kernels().chunks_exact(2) {
            let [(name, pairs), (_, single)] = both else {
                unreachable!("kernels() lists each loop twice")
            };
            assert!(pairs.pairs && !single.pairs);
            assert_eq!(left(&x, &d, *pairs), left(&x, &d, *single), "{name}, x·d");
            assert_eq!(right(&a, &x, *pairs), right(&a, &x, *single), "{name}, a·x");
        }
    }

    /// Images with at most 256 different values (as scaled 8-bit pixels), about 62 % zeros.
    fn pixels(rows: usize, cols: usize, seed: u32) -> Array2<f64> {
        sparse(rows, cols, seed).mapv(|v| (v * 32.0).round().min(255.0) / 255.0)
    }

    /// Products with kept patterns, with and without the images' codes, give
    /// the bits of products that find the patterns anew, for every inner loop
    /// and both products; more images than a panel and a task, odd numbers
    /// of images and pixels.
    #[test]
    fn kept_patterns_and_codes_give_the_same_bits() {
        let (m, k) = (1101, 71);
        let x = pixels(m, k, 26);
        let d = random(k, 70, 27);
        let a_t = random(m, 33, 28);
        let (xs, ds, a_ts) = (
            x.as_slice().unwrap(),
            d.as_slice().unwrap(),
            a_t.as_slice().unwrap(),
        );
        let (codes, table) = kept::codes_of(xs).expect("few values");
        let coded = Some((&codes[..], &*table));
        for (name, kernel) in kernels() {
            let left_kept = sparse_left::patterns(xs, (m, k), kernel.pairs);
            let right_kept = sparse_right::patterns(xs, (m, k), kernel.pairs);
            let plain = sparse_left::product(xs, ds, (m, k, 70), kernel, None, None);
            for codes in [None, coded] {
                let with =
                    sparse_left::product(xs, ds, (m, k, 70), kernel, Some(&left_kept), codes);
                assert_eq!(with, plain, "{name}, pairs {}, x·d", kernel.pairs);
            }
            let plain = sparse_right::product_t(a_ts, xs, (33, m, k), kernel, None, None);
            for codes in [None, coded] {
                let with =
                    sparse_right::product_t(a_ts, xs, (33, m, k), kernel, Some(&right_kept), codes);
                assert_eq!(with, plain, "{name}, pairs {}, a·x", kernel.pairs);
            }
        }
    }

    /// A kept pattern is what the products go by: with the pattern of images
    /// that lack two pixels, they compute the product of those images. (Two
    /// neighbours, 4 and 5: dz₁ᵀ·x visits both pixels of a pair where either
    /// is nonzero.) And codes are what they read: with the codes of twice the
    /// images, they compute the product of those.
    #[test]
    fn products_go_by_the_kept_pattern_and_codes() {
        let (m, k) = (700, 71);
        let x = pixels(m, k, 29);
        let mut fewer = x.clone();
        fewer.column_mut(4).fill(0.0);
        fewer.column_mut(5).fill(0.0);
        assert_ne!(x, fewer);
        let twice = &x * 2.0;
        let (d, a_t) = (random(k, 40, 30), random(m, 20, 31));
        let (xs, fs, ts) = (
            x.as_slice().unwrap(),
            fewer.as_slice().unwrap(),
            twice.as_slice().unwrap(),
        );
        let (ds, a_ts) = (d.as_slice().unwrap(), a_t.as_slice().unwrap());
        let (codes, table) = kept::codes_of(ts).expect("few values");
        let coded = Some((&codes[..], &*table));
        for (name, kernel) in kernels() {
            let (left_few, right_few) = (
                sparse_left::patterns(fs, (m, k), kernel.pairs),
                sparse_right::patterns(fs, (m, k), kernel.pairs),
            );
            let left =
                |x, kept, codes| sparse_left::product(x, ds, (m, k, 40), kernel, kept, codes);
            let right =
                |x, kept, codes| sparse_right::product_t(a_ts, x, (20, m, k), kernel, kept, codes);
            let with_x = left(xs, Some(&left_few[..]), None);
            assert_eq!(with_x, left(fs, None, None), "{name}");
            assert_ne!(with_x, left(xs, None, None), "{name}");
            let with_x = right(xs, Some(&right_few[..]), None);
            assert_eq!(with_x, right(fs, None, None), "{name}");
            assert_ne!(with_x, right(xs, None, None), "{name}");
            // x's own pattern (that of twice x), twice x's codes
            let (left_own, right_own) = (
                sparse_left::patterns(xs, (m, k), kernel.pairs),
                sparse_right::patterns(xs, (m, k), kernel.pairs),
            );
            assert_eq!(
                left(xs, Some(&left_own[..]), coded),
                left(ts, None, None),
                "{name}"
            );
            assert_eq!(
                right(xs, Some(&right_own[..]), coded),
                right(ts, None, None),
                "{name}"
            );
        }
    }

    /// An ImagePattern is found for its own images only (same memory, same
    /// shape), and only while it lives; `matmul` gives the same with it.
    #[test]
    fn image_pattern_is_found_for_its_images_while_it_lives() {
        let x = sparse(600, 200, 32);
        let copy = x.clone();
        let (w, dz) = (random(200, 70, 33), random(600, 40, 34));
        let xs = x.as_slice().unwrap();
        {
            let _kept = ImagePattern::keep(&x);
            assert!(Kept::find(xs, 600, 200).is_some());
            assert!(
                Kept::find(copy.as_slice().unwrap(), 600, 200).is_none(),
                "other memory"
            );
            assert!(
                Kept::find(&xs[..100 * 200], 100, 200).is_none(),
                "the first 100 rows"
            );
            assert!(Kept::find(xs, 200, 600).is_none(), "another shape");
            assert_eq!(product(&x, &w), product(&copy, &w));
            assert_eq!(product(&dz.t(), &x), product(&dz.t(), &copy));
        }
        assert!(Kept::find(xs, 600, 200).is_none(), "dropped");
        // For the forward pass only: the pattern of x·w, no codes, nothing for a·x.
        let pixels = pixels(600, 200, 35);
        let ps = pixels.as_slice().unwrap();
        let kernel = pair_sums::kernel();
        {
            let _kept = ImagePattern::keep(&pixels);
            let kept = Kept::find(ps, 600, 200).expect("kept");
            assert!(kept.left(kernel).is_some() && kept.right(kernel).is_some());
            assert!(kept.codes().is_some());
        }
        {
            let _kept = ImagePattern::keep_for_forward_pass(&pixels);
            let kept = Kept::find(ps, 600, 200).expect("kept");
            assert!(kept.left(kernel).is_some() && kept.right(kernel).is_none());
            assert!(kept.codes().is_none());
            assert_eq!(product(&pixels, &w), product(&pixels.to_owned(), &w));
            assert_eq!(
                product(&dz.t(), &pixels),
                product(&dz.t(), &pixels.to_owned())
            );
        }
        // A transposed view or an empty array is not kept.
        let t = x.t();
        let _kept = ImagePattern::keep(&t);
        assert!(Kept::find(xs, 200, 600).is_none() && Kept::find(xs, 600, 200).is_none());
        let empty = Array2::<f64>::zeros((0, 784));
        let _kept = ImagePattern::keep(&empty);
        assert!(Kept::find(empty.as_slice().unwrap(), 0, 784).is_none());
    }

    #[test]
    fn zero_rows_columns_and_all_zero_factors() {
        let mut x = sparse(300, 400, 8);
        x.row_mut(5).fill(0.0);
        x.column_mut(7).fill(0.0);
        let w = random(400, 64, 9);
        for (_, kernel) in kernels() {
            let c = left(&x, &w, kernel);
            assert!(c.row(5).iter().all(|&v| v == 0.0));
            same(&c, &x.dot(&w));
            let zeros = Array2::<f64>::zeros((300, 400));
            // The output's memory is not cleared by the allocator: give it
            // back full of NaN first, so that a part no task cleared shows.
            drop(vec![f64::NAN; 300 * 64]);
            assert_eq!(left(&zeros, &w, kernel), Array2::<f64>::zeros((300, 64)));
        }
    }

    #[test]
    fn result_does_not_depend_on_the_number_of_threads() {
        let x = sparse(700, 300, 10);
        let w = random(300, 70, 11);
        let dz = random(700, 40, 12);
        let w_2 = random(40, 10, 20);
        let all = (
            product(&x, &w),
            product(&dz.t(), &x),
            product(&dz, &w_2),
            product(&dz.t(), &dz.slice(s![.., ..10])),
        );
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| {
                (
                    product(&x, &w),
                    product(&dz.t(), &x),
                    product(&dz, &w_2),
                    product(&dz.t(), &dz.slice(s![.., ..10])),
                )
            });
        assert_eq!(all, one);
    }
}
