//! The two-layer network of the lesson: weights, forward pass, loss, accuracy,
//! backpropagation and the gradient step.
//!
//! Shapes follow the lesson: `x` is (n, input), `w[0]` (hidden, input),
//! `w[1]` (output, hidden), `b[0]` (hidden,), `b[1]` (output,). Products with
//! a weight matrix therefore use its transpose, `matmul(&x, &w[0].t())`.

use ndarray::{Array1, Array2, ArrayRef1, ArrayRef2, Axis, Zip};
use rand::Rng;

use crate::profile::{Work, step};
use crate::shape::fmt_shape;
use crate::{matmul, randn, softmax};

/// The two weight matrices: `w[0]` is (hidden, input), `w[1]` is (output, hidden).
pub type Weights = [Array2<f64>; 2];
/// The two bias vectors: `b[0]` has length hidden, `b[1]` length output.
pub type Biases = [Array1<f64>; 2];

/// Creates the weights and biases of the network, like the lesson's `init_weights`.
///
/// `w[0]` = randn(hidden, input) · √(2 / input), `w[1]` = randn(output, hidden) · √(2 / hidden)
/// (He initialisation), `b[0]` and `b[1]` zeros. `w[0]` is drawn first, as in
/// the original, so a [`crate::NumpyRng`] seeded with 1234 gives exactly the
/// weights of `np.random.seed(1234); init_weights(784, 300, 10)`.
///
/// # Panics
/// If a size is 0 (German message).
///
/// # Example
/// ```
/// use erstes_netz::{init_weights, NumpyRng};
/// let (w, b) = init_weights(784, 200, 10, &mut NumpyRng::seed(1234));
/// assert_eq!(w[0].shape(), &[200, 784]);
/// assert_eq!(w[1].shape(), &[10, 200]);
/// assert_eq!(b[0].len(), 200);
/// assert!(b[1].iter().all(|&v| v == 0.0));
/// ```
#[track_caller]
pub fn init_weights<R: Rng + 'static>(
    input_size: usize,
    hidden_size: usize,
    output_size: usize,
    rng: &mut R,
) -> (Weights, Biases) {
    assert!(
        input_size > 0 && hidden_size > 0 && output_size > 0,
        "init_weights: Alle Größen müssen größer als 0 sein, \
         gefunden input_size={input_size}, hidden_size={hidden_size}, output_size={output_size}"
    );
    let w0 = randn((hidden_size, input_size), rng) * (2.0 / input_size as f64).sqrt();
    let w1 = randn((output_size, hidden_size), rng) * (2.0 / hidden_size as f64).sqrt();
    let b0 = Array1::zeros(hidden_size);
    let b1 = Array1::zeros(output_size);
    ([w0, w1], [b0, b1])
}

/// Sends the images through the network and returns `(z_1, a_1, y_hat)`.
///
/// z₁ = x·W₁ᵀ + b₁, a₁ = sigmoid(z₁), ŷ = softmax(a₁·W₂ᵀ + b₂) along each row.
/// (The lesson counts layers from 1, the arrays from 0: W₁ is `w[0]`.)
///
/// # Panics
/// If the shapes of `w`, `b` and `x` do not fit together. The German message
/// names the shapes and the likely mistake, e.g. rows and columns of `w[0]`
/// swapped in `init_weights`.
///
/// # Example
/// ```
/// use erstes_netz::{forward_pass, init_weights, NumpyRng};
/// use erstes_netz::ndarray::Array2;
/// let (w, b) = init_weights(4, 3, 2, &mut NumpyRng::seed(1));
/// let x = Array2::from_elem((5, 4), 0.5);
/// let (z_1, a_1, y_hat) = forward_pass(&w, &b, &x);
/// assert_eq!(z_1.shape(), &[5, 3]);
/// assert_eq!(a_1.shape(), &[5, 3]);
/// assert!((y_hat.row(0).sum() - 1.0).abs() < 1e-12);
/// ```
#[track_caller]
pub fn forward_pass(
    w: &Weights,
    b: &Biases,
    x: &ArrayRef2<f64>,
) -> (Array2<f64>, Array2<f64>, Array2<f64>) {
    check_forward_shapes(w, b, x);
    let (z_1, a_1, y_hat) = forward_layers(w, b, x, true);
    (z_1.expect("z_1 is kept"), a_1, y_hat)
}

/// The shape checks of [`forward_pass`] (German panics).
#[track_caller]
pub(crate) fn check_forward_shapes(w: &Weights, b: &Biases, x: &ArrayRef2<f64>) {
    if x.ncols() != w[0].ncols() {
        let hint = if x.ncols() == w[0].nrows() {
            " Hinweis: w[0] scheint Zeilen und Spalten vertauscht zu haben; \
             erwartet ist (hidden_size, input_size)."
        } else {
            ""
        };
        panic!(
            "forward_pass: x hat die Form {} ({} Pixel pro Bild), w[0] aber die Form {}: \
             w[0] braucht so viele Spalten wie x ({}).{hint}",
            fmt_shape(x.shape()),
            x.ncols(),
            fmt_shape(w[0].shape()),
            x.ncols()
        );
    }
    check_network(w, b);
}

/// [`forward_pass`] for checked shapes. With `keep_z_1 == false`, a₁
/// replaces z₁ in its array (training needs no z₁: one 144 MB array less at
/// 60,000 images) and `None` is returned for z₁.
pub(crate) fn forward_layers(
    w: &Weights,
    b: &Biases,
    x: &ArrayRef2<f64>,
    keep_z_1: bool,
) -> (Option<Array2<f64>>, Array2<f64>, Array2<f64>) {
    let (n, pixels, hidden, classes) = (x.nrows(), x.ncols(), w[0].nrows(), w[1].nrows());
    let mut z_1 = step(
        "z_1 = x·w[0]ᵀ",
        || Work::product(n, pixels, hidden),
        || matmul(x, &w[0].t()),
    );
    let mut a_1 = keep_z_1.then(|| zeroed_array(n, hidden));
    // One pass over the images for the rest of the hidden layer and the output layer's product.
    let z_2 = step(
        "a_1 = sigmoid(z_1 + b[0]), z_2",
        || Work::pass(n * hidden, 1, 1 + usize::from(keep_z_1), 4 + 2 * classes),
        || {
            let (b_0, w_1, b_1) = (
                b[0].as_standard_layout(),
                w[1].as_standard_layout(),
                b[1].as_standard_layout(),
            );
            let z = z_1
                .as_slice_mut()
                .expect("matmul returns a standard-layout array");
            let a = a_1.as_mut().map(|a| a.as_slice_mut().expect("a new array"));
            let (b_0, w_1, b_1) = (standard(&b_0), standard(&w_1), standard(&b_1));
            crate::kernel::hidden_layer(z, a, b_0, w_1, b_1, (n, hidden, classes))
        },
    );
    let z_2 = Array2::from_shape_vec((n, classes), z_2).expect("n · classes values");
    let y_hat = step(
        "y_hat = softmax(z_2)",
        || Work::pass(n * classes, 1, 1, 4),
        || softmax(&z_2, Axis(1)),
    );
    match a_1 {
        Some(a_1) => (Some(z_1), a_1, y_hat),
        None => (None, z_1, y_hat),
    }
}

/// A new rows × cols array of zeros, on huge pages where Linux has them (`kernel/pages.rs`).
fn zeroed_array(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_vec((rows, cols), crate::kernel::zeroed(rows * cols))
        .expect("rows · cols zeros")
}

/// The elements of an array in standard layout (as `as_standard_layout` returns it).
fn standard<'a, D: ndarray::Dimension>(a: &'a ndarray::CowArray<'_, f64, D>) -> &'a [f64] {
    a.as_slice().expect("standard layout")
}

/// Checks that weights and biases describe one network (German panic otherwise).
#[track_caller]
fn check_network(w: &Weights, b: &Biases) {
    let hidden = w[0].nrows();
    if b[0].len() != hidden {
        panic!(
            "b[0] hat die Form {}, erwartet ({hidden},): ein Bias pro Neuron der versteckten Schicht \
             (= Zeilen von w[0], das die Form {} hat).{}",
            fmt_shape(b[0].shape()),
            fmt_shape(w[0].shape()),
            if b[0].len() == w[0].ncols() {
                " Hinweis: w[0] scheint Zeilen und Spalten vertauscht zu haben; \
                 erwartet ist (hidden_size, input_size)."
            } else {
                ""
            }
        );
    }
    if w[1].ncols() != hidden {
        let hint = if w[1].nrows() == hidden {
            " Hinweis: w[1] scheint Zeilen und Spalten vertauscht zu haben; \
             erwartet ist (output_size, hidden_size)."
        } else {
            ""
        };
        panic!(
            "w[1] hat die Form {}, erwartet ({}, {hidden}): so viele Spalten, wie w[0] Zeilen hat \
             (w[0] hat die Form {}).{hint}",
            fmt_shape(w[1].shape()),
            w[1].nrows(),
            fmt_shape(w[0].shape())
        );
    }
    if b[1].len() != w[1].nrows() {
        panic!(
            "b[1] hat die Form {}, erwartet ({},): ein Bias pro Ausgabe-Neuron (= Zeilen von w[1]).",
            fmt_shape(b[1].shape()),
            w[1].nrows()
        );
    }
}

/// Cross-entropy loss, summed over all images: L = −Σᵢ Σₖ yᵢₖ · ln ŷᵢₖ.
///
/// As in the lesson this is the sum; divide by the number of images for the
/// mean. Terms with yᵢₖ = 0 are left out (0 · ln 0 counts as 0), so a
/// probability that underflowed to 0 in a wrong class cannot turn the loss
/// into NaN as `np.log(y_hat) * y` would.
///
/// # Panics
/// If `y_hat` and `y` have different shapes (German message).
///
/// # Example
/// ```
/// use erstes_netz::calc_loss;
/// use erstes_netz::ndarray::array;
/// let y_hat = array![[0.5, 0.5], [0.25, 0.75]];
/// let y = array![[1.0, 0.0], [0.0, 1.0]];
/// let expected = -(0.5f64.ln() + 0.75f64.ln());
/// assert!((calc_loss(&y_hat, &y) - expected).abs() < 1e-15);
/// ```
#[track_caller]
pub fn calc_loss(y_hat: &ArrayRef2<f64>, y: &ArrayRef2<f64>) -> f64 {
    if y_hat.shape() != y.shape() {
        let hint = if y_hat.nrows() == y.nrows() && y.ncols() < y_hat.ncols() {
            " Hinweis: y hat weniger Spalten als y_hat; fehlt in den Labels eine Ziffer, \
             sodass one_hot weniger Klassen gebildet hat?"
        } else {
            ""
        };
        panic!(
            "calc_loss: y_hat hat die Form {}, y die Form {}: beide müssen gleich sein \
             (y one-hot kodiert, eine Zeile pro Bild).{hint}",
            fmt_shape(y_hat.shape()),
            fmt_shape(y.shape())
        );
    }
    let mut sum = 0.0;
    Zip::from(y_hat).and(y).for_each(|&p, &t| {
        if t != 0.0 {
            sum += t * p.ln();
        }
    });
    -sum
}

/// Share of images whose most probable class is the true label.
///
/// The prediction of row i is argmaxₖ ŷᵢₖ (the first one on ties, like
/// `np.argmax`); the result is (number correct) / n, between 0 and 1.
///
/// # Panics
/// If the number of labels differs from the rows of `y_hat`, or there are no
/// images (German message).
///
/// # Example
/// ```
/// use erstes_netz::accuracy;
/// use erstes_netz::ndarray::array;
/// let y_hat = array![[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]];
/// assert_eq!(accuracy(&array![0, 1, 1], &y_hat), 2.0 / 3.0);
/// ```
#[track_caller]
pub fn accuracy(true_labels: &ArrayRef1<usize>, predicted: &ArrayRef2<f64>) -> f64 {
    assert!(
        true_labels.len() == predicted.nrows(),
        "accuracy: {} Labels, aber {} Zeilen in den Vorhersagen (Form {}): \
         für jedes Bild braucht es ein Label.",
        true_labels.len(),
        predicted.nrows(),
        fmt_shape(predicted.shape())
    );
    assert!(
        !true_labels.is_empty(),
        "accuracy: keine Bilder (0 Labels), die Accuracy ist nicht definiert."
    );
    let correct = predicted
        .rows()
        .into_iter()
        .zip(true_labels)
        .filter(|(row, label)| argmax(row.iter().copied()) == **label)
        .count();
    correct as f64 / true_labels.len() as f64
}

/// Index of the first largest value (NaN counts as largest, like `np.argmax`).
pub(crate) fn argmax(values: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if v.is_nan() {
            return i;
        }
        if v > best.1 || i == 0 {
            best = (i, v);
        }
    }
    best.0
}

/// Gradients of the mean loss with respect to all weights and biases.
///
/// With n images:
/// dZ₂ = ŷ − y, dW₂ = dZ₂ᵀ·a₁ / n, db₂ = Σᵢ dZ₂ / n,
/// dZ₁ = (dZ₂·W₂) ⊙ a₁ ⊙ (1 − a₁), dW₁ = dZ₁ᵀ·x / n, db₁ = Σᵢ dZ₁ / n.
/// Returns `([dW₁, dW₂], [db₁, db₂])`, shaped like `w` and `b`. `z_1` is not
/// needed for the sigmoid (its derivative is a₁(1 − a₁)) but is kept so the
/// call reads like the lesson's. The lesson's version reads W from a global;
/// here it is passed in.
///
/// # Panics
/// If the shapes do not fit together (German message).
///
/// # Example
/// ```
/// use erstes_netz::{back_prop, forward_pass, init_weights, one_hot, NumpyRng};
/// use erstes_netz::ndarray::{array, Array2};
/// let (w, b) = init_weights(4, 3, 2, &mut NumpyRng::seed(1));
/// let x = Array2::from_elem((2, 4), 0.5);
/// let y = one_hot(&array![0, 1]);
/// let (z_1, a_1, y_hat) = forward_pass(&w, &b, &x);
/// let (grad_w, grad_b) = back_prop(&x, &z_1, &a_1, &y_hat, &y, &w);
/// assert_eq!(grad_w[0].shape(), w[0].shape());
/// assert_eq!(grad_b[1].len(), 2);
/// ```
#[track_caller]
pub fn back_prop(
    x: &ArrayRef2<f64>,
    z_1: &ArrayRef2<f64>,
    a_1: &ArrayRef2<f64>,
    y_hat: &ArrayRef2<f64>,
    y: &ArrayRef2<f64>,
    w: &Weights,
) -> (Weights, Biases) {
    check_back_prop_shapes(x, z_1, a_1, y_hat, y, w);
    back_prop_unchecked(x, Hidden::Borrowed(a_1), y_hat, y, w)
}

/// [`back_prop`] for checked shapes, without `z_1` (the sigmoid's
/// derivative needs only `a_1`). An owned `a_1` becomes dZ₁ in place
/// (training: one 144 MB array less at 60,000 images).
pub(crate) fn back_prop_unchecked(
    x: &ArrayRef2<f64>,
    a_1: Hidden<'_>,
    y_hat: &ArrayRef2<f64>,
    y: &ArrayRef2<f64>,
    w: &Weights,
) -> (Weights, Biases) {
    let (rows, pixels, classes) = (x.nrows(), x.ncols(), y.ncols());
    let n = rows as f64;

    let dz_2 = y_hat - y;
    let db_2 = dz_2.sum_axis(Axis(0)) / n;
    // One pass over the images: dz_1 = (dz_2·w[1]) ⊙ a_1 ⊙ (1 − a_1), dz_2ᵀ·a_1 and Σ dz_1.
    let (dz_1, dw_2, db_1) = step(
        "dz_1, dw_2, db_1",
        || Work::pass(rows * w[1].ncols(), 1, 1, 4 * classes + 4),
        || {
            let (dz_2, w_1) = (dz_2.as_standard_layout(), w[1].as_standard_layout());
            let (mut buf, a_1) = match a_1 {
                Hidden::Owned(a) if a.is_standard_layout() => (a, None),
                Hidden::Owned(a) => (a.as_standard_layout().into_owned(), None),
                Hidden::Borrowed(a) => (
                    zeroed_array(a.nrows(), a.ncols()),
                    Some(a.as_standard_layout()),
                ),
            };
            let hidden = buf.ncols();
            let (dw_2, db_1) = crate::kernel::hidden_gradients(
                buf.as_slice_mut().expect("standard layout"),
                a_1.as_ref().map_or(&[][..], standard),
                standard(&dz_2),
                standard(&w_1),
                (rows, hidden, classes),
            );
            (buf, dw_2, db_1)
        },
    );
    let hidden = dz_1.ncols();
    let dw_2 =
        Array2::from_shape_vec((classes, hidden), dw_2).expect("classes · hidden values") / n;
    let db_1 = Array1::from(db_1) / n;
    let dw_1 = step(
        "dw_1 = dz_1ᵀ·x / n",
        || Work::product(hidden, rows, pixels),
        || matmul(&dz_1.t(), x) / n,
    );
    ([dw_1, dw_2], [db_1, db_2])
}

/// The hidden layer's activations for [`back_prop_unchecked`]: owned ones
/// are turned into dZ₁ in place.
pub(crate) enum Hidden<'a> {
    Owned(Array2<f64>),
    Borrowed(&'a ArrayRef2<f64>),
}

#[track_caller]
pub(crate) fn check_back_prop_shapes(
    x: &ArrayRef2<f64>,
    z_1: &ArrayRef2<f64>,
    a_1: &ArrayRef2<f64>,
    y_hat: &ArrayRef2<f64>,
    y: &ArrayRef2<f64>,
    w: &Weights,
) {
    let rows = [
        x.nrows(),
        z_1.nrows(),
        a_1.nrows(),
        y_hat.nrows(),
        y.nrows(),
    ];
    if rows.iter().any(|&r| r != rows[0]) {
        panic!(
            "back_prop: Die Anzahl der Bilder (Zeilen) passt nicht zusammen: x {}, z_1 {}, a_1 {}, \
             y_hat {}, y {}. Alle müssen aus demselben Forward Pass mit denselben Bildern stammen.",
            fmt_shape(x.shape()),
            fmt_shape(z_1.shape()),
            fmt_shape(a_1.shape()),
            fmt_shape(y_hat.shape()),
            fmt_shape(y.shape())
        );
    }
    if y.shape() != y_hat.shape() {
        panic!(
            "back_prop: y hat die Form {}, y_hat die Form {}: y muss one-hot kodiert sein \
             (one_hot(&labels)) und so viele Spalten wie y_hat haben.",
            fmt_shape(y.shape()),
            fmt_shape(y_hat.shape())
        );
    }
    if z_1.shape() != a_1.shape() {
        panic!(
            "back_prop: z_1 hat die Form {}, a_1 die Form {}: beide stammen aus der versteckten \
             Schicht und müssen gleich groß sein.",
            fmt_shape(z_1.shape()),
            fmt_shape(a_1.shape())
        );
    }
    let expected_w1 = [y_hat.ncols(), a_1.ncols()];
    if w[1].shape() != expected_w1 {
        panic!(
            "back_prop: w[1] hat die Form {}, erwartet {} (Ausgaben × versteckte Neuronen).",
            fmt_shape(w[1].shape()),
            fmt_shape(&expected_w1)
        );
    }
    let expected_w0 = [a_1.ncols(), x.ncols()];
    if w[0].shape() != expected_w0 {
        panic!(
            "back_prop: w[0] hat die Form {}, erwartet {} (versteckte Neuronen × Pixel).",
            fmt_shape(w[0].shape()),
            fmt_shape(&expected_w0)
        );
    }
}

/// One gradient-descent step: W ← W − lr · dW and b ← b − lr · db for both layers.
///
/// Takes the weights by value and gives them back updated (no copy is made),
/// so the lesson's `W, b = update(W, b, grad_W, grad_b, lr)` reads
/// `let (w, b) = update(w, b, &grad_w, &grad_b, lr);`.
///
/// # Panics
/// If a gradient's shape differs from its weight's (German message).
///
/// # Example
/// ```
/// use erstes_netz::update;
/// use erstes_netz::ndarray::{array, Array1, Array2};
/// let w = [array![[1.0, 2.0]], array![[3.0]]];
/// let b = [array![0.0], array![1.0]];
/// let grad_w = [array![[10.0, 10.0]], array![[-10.0]]];
/// let grad_b = [array![1.0], array![0.0]];
/// let (w, b) = update(w, b, &grad_w, &grad_b, 0.1);
/// assert_eq!(w[0], array![[0.0, 1.0]]);
/// assert_eq!(w[1], array![[4.0]]);
/// assert_eq!(b[0], array![-0.1]);
/// ```
#[track_caller]
pub fn update(
    mut w: Weights,
    mut b: Biases,
    grad_w: &Weights,
    grad_b: &Biases,
    lr: f64,
) -> (Weights, Biases) {
    for i in 0..2 {
        if w[i].shape() != grad_w[i].shape() {
            let transposed = w[i].nrows() == grad_w[i].ncols() && w[i].ncols() == grad_w[i].nrows();
            panic!(
                "update: grad_w[{i}] hat die Form {}, w[{i}] aber {}: Gradient und Weight \
                 müssen gleich geformt sein.{}",
                fmt_shape(grad_w[i].shape()),
                fmt_shape(w[i].shape()),
                if transposed {
                    " Hinweis: Der Gradient ist transponiert, z. B. dZᵀ·a statt aᵀ·dZ vertauscht?"
                } else {
                    ""
                }
            );
        }
        if b[i].len() != grad_b[i].len() {
            panic!(
                "update: grad_b[{i}] hat die Form {}, b[{i}] aber {}: Summe über die Bilder \
                 (Axis(0)) vergessen oder über die falsche Achse summiert?",
                fmt_shape(grad_b[i].shape()),
                fmt_shape(b[i].shape())
            );
        }
        // w - lr * g, written in place: same rounding as the numpy original.
        Zip::from(&mut w[i])
            .and(&grad_w[i])
            .for_each(|w, &g| *w -= lr * g);
        Zip::from(&mut b[i])
            .and(&grad_b[i])
            .for_each(|b, &g| *b -= lr * g);
    }
    (w, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NumpyRng, one_hot};
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    fn tiny_network() -> (Weights, Biases) {
        let w0 = array![[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]];
        let w1 = array![[0.7, -0.8, 0.9], [-1.0, 1.1, -1.2]];
        ([w0, w1], [array![0.01, -0.02, 0.03], array![0.5, -0.5]])
    }

    #[test]
    fn init_weights_shapes_scale_and_zero_bias() {
        let (w, b) = init_weights(784, 300, 10, &mut NumpyRng::seed(1234));
        assert_eq!(w[0].shape(), &[300, 784]);
        assert_eq!(w[1].shape(), &[10, 300]);
        assert_eq!(b[0], Array1::<f64>::zeros(300));
        assert_eq!(b[1], Array1::<f64>::zeros(10));
        // First value: np.random.seed(1234); np.random.randn() * np.sqrt(2 / 784)
        assert_eq!(w[0][[0, 0]], 0.47143516373249306 * (2.0f64 / 784.0).sqrt());
        let std0 = (w[0].mapv(|v| v * v).sum() / w[0].len() as f64).sqrt();
        assert!((std0 - (2.0f64 / 784.0).sqrt()).abs() < 0.001, "std {std0}");
    }

    #[test]
    #[should_panic(expected = "größer als 0")]
    fn init_weights_rejects_zero_size() {
        init_weights(0, 3, 2, &mut NumpyRng::seed(1));
    }

    #[test]
    fn forward_pass_hand_computed() {
        let (w, b) = tiny_network();
        let x = array![[1.0, 2.0]];
        let (z_1, a_1, y_hat) = forward_pass(&w, &b, &x);
        // z_1 = x·w0ᵀ + b0 = [0.1-0.4, 0.3+0.8, -0.5+1.2] + b0
        assert_abs_diff_eq!(z_1, array![[-0.29, 1.08, 0.73]], epsilon = 1e-15);
        let s = |v: f64| 1.0 / (1.0 + (-v).exp());
        let a = [s(-0.29), s(1.08), s(0.73)];
        assert_abs_diff_eq!(a_1, array![[a[0], a[1], a[2]]], epsilon = 1e-15);
        let z2 = [
            0.7 * a[0] - 0.8 * a[1] + 0.9 * a[2] + 0.5,
            -a[0] + 1.1 * a[1] - 1.2 * a[2] - 0.5,
        ];
        let e = [z2[0].exp(), z2[1].exp()];
        let p = [e[0] / (e[0] + e[1]), e[1] / (e[0] + e[1])];
        assert_abs_diff_eq!(y_hat, array![[p[0], p[1]]], epsilon = 1e-15);
    }

    #[test]
    #[should_panic(expected = "Zeilen und Spalten vertauscht")]
    fn forward_pass_detects_swapped_w0() {
        let (mut w, b) = tiny_network();
        w[0] = w[0].t().to_owned(); // (2, 3) instead of (3, 2)
        forward_pass(&w, &b, &array![[1.0, 2.0, 3.0]]);
    }

    #[test]
    #[should_panic(expected = "b[0] hat die Form (2,), erwartet (3,)")]
    fn forward_pass_detects_wrong_bias() {
        let (w, mut b) = tiny_network();
        b[0] = array![0.0, 0.0];
        forward_pass(&w, &b, &array![[1.0, 2.0]]);
    }

    #[test]
    fn calc_loss_hand_computed_and_zero_probability_in_other_class() {
        let y_hat = array![[1.0, 0.0], [0.5, 0.5]];
        let y = array![[1.0, 0.0], [0.0, 1.0]];
        // -(1·ln 1 + 1·ln 0.5); the 0 in row 0 must not give NaN.
        assert_eq!(calc_loss(&y_hat, &y), -(0.5f64.ln()));
    }

    #[test]
    fn calc_loss_is_infinite_when_the_true_class_has_probability_zero() {
        assert_eq!(
            calc_loss(&array![[0.0, 1.0]], &array![[1.0, 0.0]]),
            f64::INFINITY
        );
    }

    #[test]
    #[should_panic(expected = "fehlt in den Labels eine Ziffer")]
    fn calc_loss_explains_missing_class() {
        calc_loss(&Array2::from_elem((2, 10), 0.1), &one_hot(&array![0, 8]));
    }

    #[test]
    fn accuracy_hand_computed_with_ties_like_numpy() {
        let y_hat = array![[0.5, 0.5, 0.0], [0.1, 0.2, 0.7], [0.3, 0.3, 0.3]];
        // ties go to the first index: predictions 0, 2, 0
        assert_eq!(accuracy(&array![0, 2, 1], &y_hat), 2.0 / 3.0);
        assert_eq!(argmax([1.0, f64::NAN, 5.0].into_iter()), 1);
        assert_eq!(argmax([-3.0, -1.0, -2.0].into_iter()), 1);
    }

    #[test]
    #[should_panic(expected = "3 Labels, aber 2 Zeilen")]
    fn accuracy_rejects_length_mismatch() {
        accuracy(&array![0, 1, 2], &Array2::zeros((2, 3)));
    }

    #[test]
    fn back_prop_hand_computed_for_one_image() {
        let (w, b) = tiny_network();
        let x = array![[1.0, 2.0]];
        let y = array![[0.0, 1.0]];
        let (z_1, a_1, y_hat) = forward_pass(&w, &b, &x);
        let (gw, gb) = back_prop(&x, &z_1, &a_1, &y_hat, &y, &w);
        let dz2 = [y_hat[[0, 0]], y_hat[[0, 1]] - 1.0];
        assert_abs_diff_eq!(gb[1], array![dz2[0], dz2[1]], epsilon = 1e-15);
        for k in 0..2 {
            for j in 0..3 {
                assert_abs_diff_eq!(gw[1][[k, j]], dz2[k] * a_1[[0, j]], epsilon = 1e-15);
            }
        }
        for j in 0..3 {
            let a = a_1[[0, j]];
            let dz1 = (dz2[0] * w[1][[0, j]] + dz2[1] * w[1][[1, j]]) * a * (1.0 - a);
            assert_abs_diff_eq!(gb[0][j], dz1, epsilon = 1e-15);
            assert_abs_diff_eq!(gw[0][[j, 0]], dz1 * 1.0, epsilon = 1e-15);
            assert_abs_diff_eq!(gw[0][[j, 1]], dz1 * 2.0, epsilon = 1e-15);
        }
    }

    #[test]
    #[should_panic(expected = "y muss one-hot kodiert sein")]
    fn back_prop_rejects_labels_instead_of_one_hot() {
        let (w, b) = tiny_network();
        let x = array![[1.0, 2.0]];
        let (z_1, a_1, y_hat) = forward_pass(&w, &b, &x);
        back_prop(&x, &z_1, &a_1, &y_hat, &array![[1.0]], &w);
    }

    #[test]
    fn update_moves_against_the_gradient() {
        let (w, b) = tiny_network();
        let gw = [
            Array2::from_elem((3, 2), 1.0),
            Array2::from_elem((2, 3), -2.0),
        ];
        let gb = [Array1::from_elem(3, 0.5), Array1::from_elem(2, 0.0)];
        let (w2, b2) = update(w.clone(), b.clone(), &gw, &gb, 0.1);
        assert_eq!(w2[0], &w[0] - 0.1);
        assert_eq!(w2[1], &w[1] + 0.2);
        assert_eq!(b2[0], &b[0] - 0.05);
        assert_eq!(b2[1], b[1]);
    }

    #[test]
    #[should_panic(expected = "Der Gradient ist transponiert")]
    fn update_detects_transposed_gradient() {
        let (w, b) = tiny_network();
        let gw = [Array2::zeros((2, 3)), Array2::zeros((2, 3))];
        let gb = [Array1::zeros(3), Array1::zeros(2)];
        update(w, b, &gw, &gb, 0.1);
    }
}
