//! `np.random.randn` and `np.matmul` for ndarray.

use std::any::Any;

use ndarray::{Array, Array2, ArrayRef2, Dimension, ShapeBuilder};
use ndarray_rand::RandomExt;
use rand::Rng;
use rand_distr::StandardNormal;

use crate::NumpyRng;
use crate::shape::fmt_shape;

/// Draws an array of standard normal numbers, like `np.random.randn(rows, cols)`.
///
/// Each entry is drawn from N(0, 1), filled in row-major order. With a
/// [`NumpyRng`] the numbers are bit for bit those of numpy's legacy
/// `np.random.randn` (polar method); any other `rand` generator draws through
/// [`rand_distr::StandardNormal`].
///
/// # Example
/// ```
/// use erstes_netz::{randn, NumpyRng};
/// // np.random.seed(1234); np.random.randn(1, 3)
/// let mut rng = NumpyRng::seed(1234);
/// let a = randn((1, 3), &mut rng);
/// assert_eq!(a[[0, 1]], -1.1909756947064645);
///
/// // Any rand generator works as well.
/// use erstes_netz::rand::{SeedableRng, rngs::StdRng};
/// let b = randn((2, 2), &mut StdRng::seed_from_u64(7));
/// assert_eq!(b.shape(), &[2, 2]);
/// ```
pub fn randn<Sh, D, R>(shape: Sh, rng: &mut R) -> Array<f64, D>
where
    Sh: ShapeBuilder<Dim = D>,
    D: Dimension,
    R: Rng + 'static,
{
    // Poor man's specialisation: numpy's exact normals need numpy's own
    // algorithm, every other generator gets rand_distr's.
    if let Some(numpy) = (rng as &mut dyn Any).downcast_mut::<NumpyRng>() {
        Array::from_shape_simple_fn(shape, || numpy.standard_normal())
    } else {
        Array::random_using(shape, StandardNormal, rng)
    }
}

/// Matrix product `a · b`, like `np.matmul(a, b)` for two matrices.
///
/// (m × k) · (k × n) → (m × n): entry (i, j) is Σₗ a[i, l] · b[l, j].
/// Pass a transposed view with `.t()`, e.g. `matmul(&x, &w.t())` for x·wᵀ;
/// no copy is made. Large products run on all cores (faer), as fast as the
/// OpenBLAS behind numpy.
///
/// # Panics
/// If the number of columns of `a` differs from the number of rows of `b`;
/// the German message names both shapes and suggests the likely missing `.t()`.
///
/// # Example
/// ```
/// use erstes_netz::matmul;
/// use erstes_netz::ndarray::array;
/// let a = array![[1.0, 2.0], [3.0, 4.0]];
/// let b = array![[5.0], [6.0]];
/// assert_eq!(matmul(&a, &b), array![[17.0], [39.0]]);
/// ```
#[track_caller]
pub fn matmul(a: &ArrayRef2<f64>, b: &ArrayRef2<f64>) -> Array2<f64> {
    check_matmul_shapes(a.shape(), b.shape());
    crate::kernel::product(a, b)
}

#[track_caller]
fn check_matmul_shapes(a: &[usize], b: &[usize]) {
    if a[1] == b[0] {
        return;
    }
    let hint = if a[1] == b[1] {
        " Hinweis: Vermutlich fehlt ein .t() bei b: matmul(&a, &b.t())."
    } else if a[0] == b[0] {
        " Hinweis: Vermutlich fehlt ein .t() bei a: matmul(&a.t(), &b)."
    } else {
        ""
    };
    panic!(
        "matmul: Die Formen passen nicht zusammen: a hat die Form {}, b die Form {}. \
         Für a·b muss die Spaltenzahl von a ({}) gleich der Zeilenzahl von b ({}) sein.{hint}",
        fmt_shape(a),
        fmt_shape(b),
        a[1],
        b[0]
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn matmul_hand_computed() {
        let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let b = array![[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]];
        // [1+0+6, 0+2-3], [4+0+12, 0+5-6]
        assert_eq!(matmul(&a, &b), array![[7.0, -1.0], [16.0, -1.0]]);
        // a · aᵀ through a transposed view
        assert_eq!(matmul(&a, &a.t()), array![[14.0, 32.0], [32.0, 77.0]]);
    }

    #[test]
    #[should_panic(expected = "Vermutlich fehlt ein .t() bei b")]
    fn matmul_names_forgotten_transpose() {
        let x = Array2::<f64>::zeros((5, 784));
        let w = Array2::<f64>::zeros((300, 784));
        matmul(&x, &w);
    }

    #[test]
    fn matmul_message_names_both_shapes() {
        let err = std::panic::catch_unwind(|| {
            matmul(&Array2::<f64>::zeros((2, 3)), &Array2::<f64>::zeros((4, 5)))
        })
        .unwrap_err();
        let msg = err.downcast_ref::<String>().unwrap();
        assert!(msg.contains("(2, 3)") && msg.contains("(4, 5)"), "{msg}");
        assert!(!msg.contains("Hinweis"), "{msg}");
    }

    #[test]
    fn randn_with_numpy_rng_matches_numpy() {
        // np.random.seed(1234); np.random.randn(2, 2).ravel()
        let a = randn((2, 2), &mut NumpyRng::seed(1234));
        assert_eq!(a[[0, 0]], 0.47143516373249306);
        assert_eq!(a[[0, 1]], -1.1909756947064645);
        assert_eq!(a[[1, 0]], 1.4327069684260973);
    }

    #[test]
    fn randn_with_ordinary_rng_is_standard_normal() {
        let a: Array2<f64> = randn((200, 200), &mut StdRng::seed_from_u64(1));
        let n = a.len() as f64;
        let mean = a.sum() / n;
        let var = a.mapv(|v| (v - mean).powi(2)).sum() / n;
        // 40,000 draws: the standard error of the mean is 0.005.
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }
}
