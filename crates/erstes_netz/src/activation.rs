//! The lesson's activation functions: sigmoid and softmax.

use ndarray::{Array, ArrayRef, Axis, Dimension, Zip};
use rayon::prelude::*;

/// The logistic function, element by element: σ(z) = 1 / (1 + e⁻ᶻ).
///
/// Never NaN for finite input: very negative z give 0, very positive z give 1.
/// Every value is bit for bit `1.0 / (1.0 + (-z).exp())`; computed eight or
/// four values at a time where the CPU and libm allow that without changing a
/// bit (`kernel/libm_exp.rs`), on all cores.
///
/// # Example
/// ```
/// use erstes_netz::sigmoid;
/// use erstes_netz::ndarray::array;
/// let a = sigmoid(&array![0.0, 1000.0, -1000.0]);
/// assert_eq!(a, array![0.5, 1.0, 0.0]);
/// ```
pub fn sigmoid<D: Dimension>(z: &ArrayRef<f64, D>) -> Array<f64, D> {
    // A thin generic shim: a notebook cell that calls `sigmoid` compiles only
    // this; the work below comes compiled with the library (compiled in the
    // cell, the rayon code cost every cell that calls the lesson's
    // `forward_pass` a second of compiling and ran slower).
    let standard = z.as_standard_layout(); // z itself, or a copy in row-major order
    let values = sigmoid_of_slice(standard.as_slice().expect("row-major"));
    Array::from_shape_vec(z.raw_dim(), values).expect("one value per input")
}

/// σ of every value, in order, on all cores for long slices.
fn sigmoid_of_slice(src: &[f64]) -> Vec<f64> {
    let f = crate::kernel::sigmoid_to_for_cpu();
    let mut out = Vec::with_capacity(src.len());
    let dst = &mut out.spare_capacity_mut()[..src.len()];
    if src.len() < 2 * CHUNK {
        f(src, dst);
    } else {
        // e^x is the costliest step of a training epoch after the matrix products.
        dst.par_chunks_mut(CHUNK)
            .zip(src.par_chunks(CHUNK))
            .for_each(|(d, s)| f(s, d));
    }
    // SAFETY: f has written the first src.len() elements.
    unsafe { out.set_len(src.len()) };
    out
}

/// Values per task of [`sigmoid`]: 64 KiB of input.
const CHUNK: usize = 8192;

/// Softmax along `axis`: softmax(z)ᵢ = e^(zᵢ − m) / Σⱼ e^(zⱼ − m), m = maxⱼ zⱼ.
///
/// With `Axis(1)` every row of a matrix becomes a probability distribution
/// (entries in [0, 1], summing to 1). Subtracting the row maximum m does not
/// change the result mathematically but keeps `exp` from overflowing: the
/// original `np.exp(x) / np.sum(np.exp(x))` gives NaN for an input of 1000.
///
/// # Panics
/// If `axis` does not exist for `z` (German message).
///
/// # Example
/// ```
/// use erstes_netz::softmax;
/// use erstes_netz::ndarray::{array, Axis};
/// let p = softmax(&array![[1000.0, 1000.0], [0.0, f64::ln(3.0)]], Axis(1));
/// assert_eq!(p.row(0).to_vec(), vec![0.5, 0.5]);
/// assert!((p[[1, 1]] - 0.75).abs() < 1e-15);
/// ```
#[track_caller]
pub fn softmax<D: Dimension>(z: &ArrayRef<f64, D>, axis: Axis) -> Array<f64, D> {
    assert!(
        axis.index() < z.ndim(),
        "softmax: Achse Axis({}) gibt es nicht, das Array hat nur {} Dimension(en). \
         Für eine Matrix mit einem Bild pro Zeile: softmax(&z, Axis(1)).",
        axis.index(),
        z.ndim()
    );
    let mut out = z.to_owned();
    Zip::from(out.lanes_mut(axis)).par_for_each(|mut lane| {
        let max = lane.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        // A lane of only -inf (or empty) has no finite maximum to subtract.
        let shift = if max.is_finite() { max } else { 0.0 };
        lane.mapv_inplace(|v| (v - shift).exp());
        let sum = lane.sum();
        lane.mapv_inplace(|v| v / sum);
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::{Array1, Array2, array};

    #[test]
    fn sigmoid_hand_computed() {
        let z = array![[0.0, 2.0], [-2.0, 1.0]];
        let e2 = 2f64.exp();
        let expected = array![
            [0.5, e2 / (1.0 + e2)],
            [1.0 / (1.0 + e2), 0.7310585786300049]
        ];
        assert_abs_diff_eq!(sigmoid(&z), expected, epsilon = 1e-15);
    }

    #[test]
    fn sigmoid_gives_the_formulas_bits_in_any_layout() {
        let z = Array2::from_shape_fn((300, 97), |(i, j)| {
            (i as f64 - 150.0) * 0.21 + j as f64 * 0.013
        });
        let formula = z.mapv(|v| 1.0 / (1.0 + (-v).exp()));
        let same = |a: &Array2<f64>| {
            a.iter()
                .zip(&formula)
                .all(|(x, y)| x.to_bits() == y.to_bits())
        };
        assert!(same(&sigmoid(&z)), "standard layout");
        let t = z.t().to_owned(); // another array, its transpose back is a column-major view
        assert!(same(&sigmoid(&t.t())), "transposed view");
        let every_other = sigmoid(&z.slice(ndarray::s![..;2, ..]));
        assert!(
            every_other
                .iter()
                .zip(formula.slice(ndarray::s![..;2, ..]))
                .all(|(x, y)| x.to_bits() == y.to_bits()),
            "strided view"
        );
    }

    #[test]
    fn sigmoid_saturates_without_nan() {
        let a = sigmoid(&array![1e6, -1e6, 710.0, -710.0]);
        assert_eq!(a, array![1.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn softmax_hand_computed() {
        // e^0 : e^ln2 : e^ln5 = 1 : 2 : 5
        let z = array![[0.0, 2f64.ln(), 5f64.ln()]];
        let p = softmax(&z, Axis(1));
        assert_abs_diff_eq!(p, array![[0.125, 0.25, 0.625]], epsilon = 1e-15);
    }

    #[test]
    fn softmax_large_inputs_stay_finite() {
        let z = array![
            [1000.0, 0.0, -1000.0],
            [-1000.0, -1000.0, -1000.0],
            [1e308, -1e308, 0.0]
        ];
        let p = softmax(&z, Axis(1));
        assert!(p.iter().all(|v| v.is_finite()), "{p}");
        assert_abs_diff_eq!(p.row(0), array![1.0, 0.0, 0.0], epsilon = 1e-300);
        assert_abs_diff_eq!(p.row(1), Array1::from_elem(3, 1.0 / 3.0), epsilon = 1e-15);
        assert_abs_diff_eq!(p.row(2), array![1.0, 0.0, 0.0], epsilon = 1e-300);
    }

    #[test]
    fn softmax_along_axis_0_normalises_columns() {
        let z = array![[0.0, 1.0], [0.0, 1.0]];
        let p = softmax(&z, Axis(0));
        assert_eq!(p, Array2::from_elem((2, 2), 0.5));
    }

    #[test]
    #[should_panic(expected = "Achse Axis(1) gibt es nicht")]
    fn softmax_wrong_axis_explains() {
        softmax(&array![1.0, 2.0], Axis(1));
    }
}
