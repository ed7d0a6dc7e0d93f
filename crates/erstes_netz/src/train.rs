//! The lesson's training loop, one epoch at a time (used by the command line).

use ndarray::{ArrayRef1, ArrayRef2};

use crate::model::{back_prop_unchecked, check_back_prop_shapes};
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
    let (_, _, y_hat) = forward_pass(w, b, x);
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
    let (z_1, a_1, y_hat) = forward_pass(&w, &b, x);
    let loss = calc_loss(&y_hat, y) / x.nrows() as f64;
    let acc = accuracy(labels, &y_hat);
    check_back_prop_shapes(x, &z_1, &a_1, &y_hat, y, &w);
    // z_1 is not needed for the gradients: free its memory before they are computed.
    drop(z_1);
    let (grad_w, grad_b) = back_prop_unchecked(x, &a_1, &y_hat, y, &w);
    let (w, b) = update(w, b, &grad_w, &grad_b, lr);
    (w, b, loss, acc)
}
