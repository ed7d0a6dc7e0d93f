//! What the checks compare against: a tiny network for the function checks, the
//! lesson's data and starting weights for the checks of whole runs.

use super::*;

pub(super) fn tiny_network() -> (Weights, Biases, Array2<f64>, Array2<f64>) {
    let mut rng = NumpyRng::seed(7);
    let (w, mut b) = crate::init_weights(6, 5, 4, &mut rng);
    // Non-zero biases: a forgotten bias must make a difference.
    b[0] = crate::randn(5, &mut rng) * 0.5;
    b[1] = crate::randn(4, &mut rng) * 0.5;
    let x: Array2<f64> = crate::randn((3, 6), &mut rng).mapv(f64::abs);
    let y = one_hot_with_classes(&Array1::from(vec![2, 0, 3]), 4);
    (w, b, x, y)
}

/// The lesson's data as the notebook prepares it (scaled, one-hot), loaded
/// again so that checks do not depend on notebook variables.
pub(super) struct Prepared {
    pub(super) train_x: Array2<f64>,
    pub(super) train_y: Array2<f64>,
    pub(super) train_labels: Array1<usize>,
    pub(super) test_x: Array2<f64>,
    pub(super) test_y: Array2<f64>,
    pub(super) test_labels: Array1<usize>,
}

impl From<crate::Mnist> for Prepared {
    fn from(d: crate::Mnist) -> Self {
        Prepared {
            train_x: min_max(&d.train_images),
            train_y: one_hot_with_classes(&d.train_labels, OUTPUT),
            train_labels: d.train_labels,
            test_x: min_max(&d.test_images),
            test_y: one_hot_with_classes(&d.test_labels, OUTPUT),
            test_labels: d.test_labels,
        }
    }
}

pub(super) fn prepared(name: &str) -> Result<Prepared, Verdict> {
    match DataSource::find(&data_dir()).and_then(|s| s.load()) {
        Ok(d) => Ok(Prepared::from(d)),
        Err(e) => Err(fail(
            name,
            &format!("die Daten für den Vergleich ließen sich nicht laden: {e}"),
        )),
    }
}

pub(super) fn lesson_start() -> (Weights, Biases) {
    crate::init_weights(INPUT, HIDDEN, OUTPUT, &mut NumpyRng::seed(SEED))
}
