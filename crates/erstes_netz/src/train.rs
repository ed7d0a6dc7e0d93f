//! The lesson's training loop, one epoch at a time (used by the command line).

use ndarray::{Array1, ArrayRef1, ArrayRef2, Axis};

use crate::model::{
    Hidden, back_prop_unchecked, check_back_prop_shapes, check_forward_shapes, forward_layers,
};
use crate::profile::{Work, step};
use crate::{Biases, Weights, accuracy, calc_loss, forward_pass, update};

/// Mean loss (calc_loss / n) and accuracy of the network on `x`.
///
/// # Panics
/// On shapes that do not fit (see [`forward_pass`]).
#[track_caller]
pub fn evaluate(
    w: &Weights,
    b: &Biases,
    x: &ArrayRef2<f64>,
    y: &ArrayRef2<f64>,
    labels: &ArrayRef1<usize>,
) -> (f64, f64) {
    check_forward_shapes(w, b, x);
    let (_, _, y_hat) = forward_layers(w, b, x, false);
    (
        calc_loss(&y_hat, y) / x.nrows() as f64,
        accuracy(labels, &y_hat),
    )
}

/// One epoch of full-batch gradient descent, exactly as the lesson's loop:
/// forward pass, loss and accuracy (of the weights *before* this epoch's
/// update), [`crate::back_prop`], update. Returns `(w, b, loss, accuracy)`.
///
/// # Panics
/// On shapes that do not fit (see [`forward_pass`], [`crate::back_prop`]).
#[track_caller]
pub fn train_epoch(
    w: Weights,
    b: Biases,
    x: &ArrayRef2<f64>,
    y: &ArrayRef2<f64>,
    labels: &ArrayRef1<usize>,
    lr: f64,
) -> (Weights, Biases, f64, f64) {
    check_forward_shapes(&w, &b, x);
    // Without z_1: a_1 takes its array, and back_prop turns a_1 into dz_1 in place.
    let (_, a_1, y_hat) = forward_layers(&w, &b, x, false);
    let (loss, acc) = step(
        "calc_loss, accuracy",
        || Work::pass(y_hat.len(), 2, 0, 2),
        || {
            (
                calc_loss(&y_hat, y) / x.nrows() as f64,
                accuracy(labels, &y_hat),
            )
        },
    );
    check_back_prop_shapes(x, &a_1, &a_1, &y_hat, y, &w);
    let (grad_w, grad_b) = back_prop_unchecked(x, Hidden::Owned(a_1), &y_hat, y, &w);
    let elements =
        w.iter().map(|w| w.len()).sum::<usize>() + b.iter().map(|b| b.len()).sum::<usize>();
    let (w, b) = step(
        "update",
        || Work::pass(elements, 2, 1, 2),
        || update(w, b, &grad_w, &grad_b, lr),
    );
    (w, b, loss, acc)
}

/// One epoch of mini-batch gradient descent: the images in a new random
/// order, then for each batch of `batch_size` images (the last one may be
/// smaller) forward pass, back_prop and update on that batch alone.
///
/// The order comes from `order.shuffle(rng)` on the indices 0..n, so the
/// same generator state gives the same epoch.
///
/// # Panics
/// If `batch_size` is 0 or the shapes do not fit (German messages).
#[track_caller]
pub fn minibatch_epoch<R: rand::Rng + ?Sized>(
    w: Weights,
    b: Biases,
    x: &ArrayRef2<f64>,
    y: &ArrayRef2<f64>,
    batch_size: usize,
    lr: f64,
    rng: &mut R,
) -> (Weights, Biases) {
    use rand::seq::SliceRandom;
    assert!(
        batch_size > 0,
        "minibatch_epoch: batch_size muss mindestens 1 sein"
    );
    let mut order: Vec<usize> = (0..x.nrows()).collect();
    order.shuffle(rng);
    let (mut w, mut b) = (w, b);
    for batch in order.chunks(batch_size) {
        let x_batch = x.select(Axis(0), batch);
        let y_batch = y.select(Axis(0), batch);
        let (z_1, a_1, y_hat) = forward_pass(&w, &b, &x_batch);
        let (grad_w, grad_b) = crate::back_prop(&x_batch, &z_1, &a_1, &y_hat, &y_batch, &w);
        (w, b) = update(w, b, &grad_w, &grad_b, lr);
    }
    (w, b)
}

/// The predicted class of every row: the index of its largest value (the
/// first one on ties, like `np.argmax(y_hat, axis=1)`).
pub fn predictions(y_hat: &ArrayRef2<f64>) -> Array1<usize> {
    y_hat.map_axis(Axis(1), |row| crate::model::argmax(row.iter().copied()))
}
