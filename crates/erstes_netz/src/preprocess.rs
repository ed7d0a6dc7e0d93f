//! Preparing labels and pixels: one-hot encoding and min-max scaling.

use ndarray::{Array, Array2, ArrayRef, ArrayRef1, Dimension, Zip};

/// One-hot encoding: label k becomes a row with a 1 in column k and 0 elsewhere.
///
/// The result has n rows and (largest label + 1) columns. The original's
/// `len(set(labels))` columns are wrong as soon as a class is missing (labels
/// {0, 2} would give 2 columns and no room for the 2); counting up to the
/// largest label keeps column k for digit k.
///
/// # Example
/// ```
/// use erstes_netz::one_hot;
/// use erstes_netz::ndarray::array;
/// let y = one_hot(&array![2, 0]);
/// assert_eq!(y, array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]);
/// ```
pub fn one_hot(labels: &ArrayRef1<usize>) -> Array2<f64> {
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    one_hot_with_classes(labels, classes)
}

/// One-hot encoding with a fixed number of columns, e.g. 10 for the digits
/// even if a (small) test set happens to lack a digit.
///
/// # Panics
/// If a label is not below `classes` (German message).
///
/// # Example
/// ```
/// use erstes_netz::one_hot_with_classes;
/// use erstes_netz::ndarray::array;
/// assert_eq!(one_hot_with_classes(&array![1], 4), array![[0.0, 1.0, 0.0, 0.0]]);
/// ```
#[track_caller]
pub fn one_hot_with_classes(labels: &ArrayRef1<usize>, classes: usize) -> Array2<f64> {
    let mut y = Array2::zeros((labels.len(), classes));
    for (i, (mut row, &label)) in y.rows_mut().into_iter().zip(labels).enumerate() {
        assert!(
            label < classes,
            "one_hot: Label Nr. {i} ist {label}, bei {classes} Klassen sind nur 0 bis {} möglich.",
            classes.saturating_sub(1)
        );
        row[label] = 1.0;
    }
    y
}

/// Min-max scaling to [0, 1]: (x − min x) / (max x − min x), min and max over all entries.
///
/// Pixel values 0..=255 become 0.0..=1.0. A constant input (max = min) has no
/// range to scale by; it maps to all zeros instead of the 0/0 = NaN of the
/// original. NaN entries are ignored for min and max and stay NaN.
///
/// # Example
/// ```
/// use erstes_netz::min_max;
/// use erstes_netz::ndarray::array;
/// assert_eq!(min_max(&array![0.0, 51.0, 255.0]), array![0.0, 0.2, 1.0]);
/// assert_eq!(min_max(&array![7.0, 7.0]), array![0.0, 0.0]);
/// ```
pub fn min_max<D: Dimension>(x: &ArrayRef<f64, D>) -> Array<f64, D> {
    let mut scaled = x.to_owned();
    min_max_inplace(&mut scaled);
    scaled
}

/// [`min_max`] in place: scales `x` to [0, 1] without a second copy (for large data sets).
///
/// # Example
/// ```
/// use erstes_netz::min_max_inplace;
/// use erstes_netz::ndarray::array;
/// let mut x = array![0.0, 51.0, 255.0];
/// min_max_inplace(&mut x);
/// assert_eq!(x, array![0.0, 0.2, 1.0]);
/// ```
pub fn min_max_inplace<D: Dimension>(x: &mut ArrayRef<f64, D>) {
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if hi > lo {
        let range = hi - lo;
        if range.is_finite() {
            Zip::from(x).par_for_each(|v| *v = (*v - lo) / range);
        } else {
            // Values near ±1.8e308: hi − lo overflows; halving first keeps it finite.
            let half_range = hi / 2.0 - lo / 2.0;
            Zip::from(x).par_for_each(|v| *v = (*v / 2.0 - lo / 2.0) / half_range);
        }
    } else {
        x.mapv_inplace(|v| if v.is_nan() { v } else { 0.0 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, array};

    #[test]
    fn one_hot_hand_computed() {
        let y = one_hot(&array![0, 1, 3, 1]);
        let expected = array![
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
            [0.0, 1.0, 0.0, 0.0],
        ];
        assert_eq!(y, expected);
    }

    #[test]
    fn one_hot_with_missing_class_keeps_columns_aligned() {
        // Class 1 is missing; len(set(labels)) would give only 2 columns.
        let y = one_hot(&array![0, 2, 2]);
        assert_eq!(y.shape(), &[3, 3]);
        assert_eq!(y.column(1).sum(), 0.0);
        assert_eq!(y.column(2).to_vec(), vec![0.0, 1.0, 1.0]);
    }

    #[test]
    fn one_hot_of_no_labels_is_empty() {
        assert_eq!(one_hot(&Array1::<usize>::zeros(0)).shape(), &[0, 0]);
    }

    #[test]
    fn min_max_hand_computed() {
        let x = array![[10.0, 20.0], [30.0, 50.0]];
        assert_eq!(min_max(&x), array![[0.0, 0.25], [0.5, 1.0]]);
    }

    #[test]
    fn min_max_of_pixels_is_division_by_255() {
        let x = array![0.0, 255.0, 128.0, 1.0];
        let scaled = min_max(&x);
        assert_eq!(scaled, x.mapv(|v| v / 255.0));
    }

    #[test]
    fn min_max_of_constant_input_is_zero_not_nan() {
        assert_eq!(
            min_max(&array![[3.0, 3.0], [3.0, 3.0]]),
            Array2::zeros((2, 2))
        );
        assert_eq!(min_max(&array![0.0]), array![0.0]);
    }

    #[test]
    fn min_max_of_extreme_values_stays_in_range() {
        let s = min_max(&array![-f64::MAX, 0.0, f64::MAX]);
        assert_eq!(s, array![0.0, 0.5, 1.0]);
    }

    #[test]
    fn min_max_inplace_equals_min_max() {
        let x = array![[10.0, 20.0], [30.0, 50.0]];
        let mut y = x.clone();
        min_max_inplace(&mut y);
        assert_eq!(y, min_max(&x));
        let mut c = array![4.0, 4.0];
        min_max_inplace(&mut c);
        assert_eq!(c, array![0.0, 0.0]);
    }

    #[test]
    fn min_max_leaves_nan_visible() {
        let s = min_max(&array![0.0, f64::NAN, 2.0]);
        assert_eq!(s[0], 0.0);
        assert!(s[1].is_nan());
        assert_eq!(s[2], 1.0);
    }
}
