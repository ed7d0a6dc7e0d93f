//! The mistakes students really make in the lessons, each fed to its check
//! cell's checker: the German feedback must name that mistake, not only say
//! "wrong", and no check may end in a panic.

use erstes_netz::check::{self, Verdict};
use erstes_netz::ndarray::{Array1, Array2, Axis};
use erstes_netz::{
    Biases, NumpyRng, Weights, accuracy, back_prop, calc_loss, evaluate, forward_pass,
    init_weights, matmul, min_max, one_hot_with_classes, randn, sigmoid, softmax, train_epoch,
    update,
};

/// The check failed and its message contains every phrase.
#[track_caller]
fn names(verdict: Verdict, phrases: &[&str]) {
    assert!(!verdict.passed(), "the check passed: {}", verdict.message());
    for p in phrases {
        assert!(
            verdict.message().contains(p),
            "message lacks {p:?}: {}",
            verdict.message()
        );
    }
}

// ---------- init_weights ----------

fn scaled(rng: &mut NumpyRng, rows: usize, cols: usize, fan_in: usize) -> Array2<f64> {
    randn((rows, cols), rng) * (2.0 / fan_in as f64).sqrt()
}

#[test]
fn init_weights_with_rows_and_columns_swapped() {
    names(
        check::init_weights(|i, h, o, rng| {
            let w0 = scaled(rng, i, h, i);
            let w1 = scaled(rng, h, o, h);
            ([w0, w1], [Array1::zeros(h), Array1::zeros(o)])
        }),
        &[
            "w[0] hat die Form (784, 200), erwartet (200, 784)",
            "transponiert",
        ],
    );
}

#[test]
fn init_weights_without_scaling() {
    names(
        check::init_weights(|i, h, o, rng| {
            let w0: Array2<f64> = randn((h, i), rng);
            let w1: Array2<f64> = randn((o, h), rng);
            ([w0, w1], [Array1::zeros(h), Array1::zeros(o)])
        }),
        &["Skalierung", "fehlt"],
    );
}

#[test]
fn init_weights_scaled_with_the_wrong_layer_size() {
    names(
        check::init_weights(|i, h, o, rng| {
            let w0 = scaled(rng, h, i, h);
            let w1 = scaled(rng, o, h, h);
            ([w0, w1], [Array1::zeros(h), Array1::zeros(o)])
        }),
        &["√(2 / hidden_size)", "√(2 / input_size)"],
    );
}

#[test]
fn init_weights_drawing_the_second_matrix_first() {
    names(
        check::init_weights(|i, h, o, rng| {
            let w1 = scaled(rng, o, h, h);
            let w0 = scaled(rng, h, i, i);
            ([w0, w1], [Array1::zeros(h), Array1::zeros(o)])
        }),
        &["zuerst w[0], dann w[1]"],
    );
}

#[test]
fn init_weights_with_bias_of_input_size() {
    names(
        check::init_weights(|i, h, o, rng| {
            let (w, _) = init_weights(i, h, o, rng);
            (w, [Array1::zeros(i), Array1::zeros(o)])
        }),
        &[
            "b[0] hat die Form (784,), erwartet (200,)",
            "ein Bias pro Neuron",
        ],
    );
}

#[test]
fn init_weights_with_random_biases() {
    names(
        check::init_weights(|i, h, o, rng| {
            let (w, _) = init_weights(i, h, o, rng);
            (w, [Array1::ones(h), Array1::zeros(o)])
        }),
        &["nur Nullen"],
    );
}

// ---------- forward_pass ----------

type Layers = (Array2<f64>, Array2<f64>, Array2<f64>);

#[test]
fn forward_pass_without_the_first_bias() {
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let z_1 = matmul(x, &w[0].t());
            let a_1 = sigmoid(&z_1);
            let y_hat = softmax(&(matmul(&a_1, &w[1].t()) + &b[1]), Axis(1));
            (z_1, a_1, y_hat)
        }),
        &["z_1 weicht ab", "der Bias fehlt"],
    );
}

#[test]
fn forward_pass_without_the_activation() {
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let z_1 = matmul(x, &w[0].t()) + &b[0];
            let a_1 = z_1.clone();
            let y_hat = softmax(&(matmul(&a_1, &w[1].t()) + &b[1]), Axis(1));
            (z_1, a_1, y_hat)
        }),
        &["a_1 weicht ab", "sigmoid"],
    );
}

#[test]
fn forward_pass_with_sigmoid_where_softmax_belongs() {
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let z_1 = matmul(x, &w[0].t()) + &b[0];
            let a_1 = sigmoid(&z_1);
            let y_hat = sigmoid(&(matmul(&a_1, &w[1].t()) + &b[1]));
            (z_1, a_1, y_hat)
        }),
        &["softmax hin, nicht sigmoid"],
    );
}

#[test]
fn forward_pass_with_softmax_over_the_wrong_axis() {
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let z_1 = matmul(x, &w[0].t()) + &b[0];
            let a_1 = sigmoid(&z_1);
            let y_hat = softmax(&(matmul(&a_1, &w[1].t()) + &b[1]), Axis(0));
            (z_1, a_1, y_hat)
        }),
        &["falsche Achse", "Axis(1)"],
    );
}

#[test]
fn forward_pass_without_the_transpose() {
    // matmul(x, &w[0]) does not fit: the check reports matmul's German message.
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let z_1 = matmul(x, &w[0]) + &b[0];
            let a_1 = sigmoid(&z_1);
            let y_hat = softmax(&(matmul(&a_1, &w[1].t()) + &b[1]), Axis(1));
            (z_1, a_1, y_hat)
        }),
        &["abgebrochen", "matmul", "fehlt ein .t()"],
    );
}

#[test]
fn forward_pass_with_z_2_from_z_1() {
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let z_1 = matmul(x, &w[0].t()) + &b[0];
            let a_1 = sigmoid(&z_1);
            let y_hat = softmax(&(matmul(&z_1, &w[1].t()) + &b[1]), Axis(1));
            (z_1, a_1, y_hat)
        }),
        &["aus z_1 statt aus a_1"],
    );
}

// ---------- back_prop ----------

#[allow(clippy::type_complexity)]
fn back_prop_with(
    sign: f64,
    divide: bool,
    derivative: bool,
) -> impl Fn(
    &Array2<f64>,
    &Array2<f64>,
    &Array2<f64>,
    &Array2<f64>,
    &Array2<f64>,
    &Weights,
) -> (Weights, Biases) {
    move |x, _z_1, a_1, y_hat, y, w| {
        let n = if divide { x.nrows() as f64 } else { 1.0 };
        let dz_2 = (y_hat - y) * sign;
        let dw_2 = matmul(&dz_2.t(), a_1) / n;
        let db_2 = dz_2.sum_axis(Axis(0)) / n;
        let mut dz_1 = matmul(&dz_2, &w[1]);
        dz_1 = if derivative {
            dz_1 * &(a_1 * &(1.0 - a_1))
        } else {
            dz_1 * a_1
        };
        let dw_1 = matmul(&dz_1.t(), x) / n;
        let db_1 = dz_1.sum_axis(Axis(0)) / n;
        ([dw_1, dw_2], [db_1, db_2])
    }
}

#[test]
fn back_prop_with_the_sign_flipped() {
    names(
        check::back_prop(back_prop_with(-1.0, true, true)),
        &["Vorzeichen", "y_hat − y"],
    );
}

#[test]
fn back_prop_without_dividing_by_n() {
    names(
        check::back_prop(back_prop_with(1.0, false, true)),
        &["Division durch n"],
    );
}

#[test]
fn back_prop_without_one_minus_a_1() {
    names(
        check::back_prop(back_prop_with(1.0, true, false)),
        &["(1 − a_1)"],
    );
}

#[test]
fn back_prop_with_a_transposed_weight_gradient() {
    names(
        check::back_prop(|x, z_1, a_1, y_hat, y, w| {
            let (mut gw, gb) = back_prop(x, z_1, a_1, y_hat, y, w);
            gw[1] = gw[1].t().to_owned();
            (gw, gb)
        }),
        &["grad_w[1]", "transponiert"],
    );
}

// ---------- update ----------

#[test]
fn update_with_the_wrong_sign() {
    names(
        check::update(|w, b, gw, gb, lr| update(w, b, gw, gb, -lr)),
        &["falsches Vorzeichen", "gegen"],
    );
}

#[test]
fn update_with_the_learning_rate_of_the_original_default() {
    names(
        check::update(|w, b, gw, gb, _lr| update(w, b, gw, gb, 0.0001)),
        &["0,0001", "Parameter lr"],
    );
}

#[test]
fn update_forgetting_the_biases() {
    names(
        check::update(|w, b, gw, gb, lr| {
            let (w, _) = update(w, b.clone(), gw, gb, lr);
            (w, b)
        }),
        &["b[0]", "auch die Biases"],
    );
}

// ---------- the lesson's top-level exercises (on the bundled digits) ----------

fn lesson_data() -> (Array2<f64>, Array2<f64>, Array1<usize>) {
    let d = erstes_netz::DataSource::find(&erstes_netz::data_dir())
        .unwrap()
        .load()
        .unwrap();
    let x = min_max(&d.train_images);
    let y = one_hot_with_classes(&d.train_labels, 10);
    (x, y, d.train_labels)
}

#[test]
fn first_classification_loss_not_divided_by_n() {
    let (x, y, _) = lesson_data();
    let (w, b) = init_weights(784, 300, 10, &mut NumpyRng::seed(1234));
    let (_, _, y_hat) = forward_pass(&w, &b, &x);
    let loss = calc_loss(&y_hat, &y);
    names(
        check::first_classification(&w, &b, &y_hat, loss),
        &["nicht durch die Anzahl der Bilder geteilt"],
    );
}

#[test]
fn first_classification_with_the_wrong_hidden_size() {
    let (x, y, _) = lesson_data();
    let (w, b) = init_weights(784, 200, 10, &mut NumpyRng::seed(1234));
    let (_, _, y_hat) = forward_pass(&w, &b, &x);
    let loss = calc_loss(&y_hat, &y) / x.nrows() as f64;
    names(
        check::first_classification(&w, &b, &y_hat, loss),
        &["200 Neuronen", "300"],
    );
}

#[test]
fn first_classification_with_a_generator_used_before() {
    let (x, y, _) = lesson_data();
    let mut rng = NumpyRng::seed(1234);
    let _ = init_weights(784, 200, 10, &mut rng); // the earlier cell's call
    let (w, b) = init_weights(784, 300, 10, &mut rng);
    let (_, _, y_hat) = forward_pass(&w, &b, &x);
    let loss = calc_loss(&y_hat, &y) / x.nrows() as f64;
    names(
        check::first_classification(&w, &b, &y_hat, loss),
        &["Seed 1234", "NumpyRng::seed(1234)"],
    );
}

#[test]
fn training_step_with_the_default_learning_rate() {
    let (x, y, _) = lesson_data();
    let (w, b) = init_weights(784, 300, 10, &mut NumpyRng::seed(1234));
    let (z_1, a_1, y_hat) = forward_pass(&w, &b, &x);
    let (gw, gb) = back_prop(&x, &z_1, &a_1, &y_hat, &y, &w);
    let (w, b) = update(w, b, &gw, &gb, 0.0001);
    names(check::training_step(&w, &b), &["0,0001", "Lernrate 0,1"]);
}

#[test]
fn training_step_forgotten() {
    let (w, b) = init_weights(784, 300, 10, &mut NumpyRng::seed(1234));
    names(check::training_step(&w, &b), &["noch die Start-Weights"]);
}

#[test]
fn training_on_after_reinitialising_the_weights() {
    names(
        check::continued_training(&[2.52, 1.2, 0.89], &[2.52, 2.6, 2.3]),
        &["neu initialisiert", "Gelernte ist verloren"],
    );
}

/// Test loss and accuracy per epoch as a student might compute them.
fn closing_exercise(mistake: &str) -> (Vec<f64>, Vec<f64>) {
    let d = erstes_netz::DataSource::find(&erstes_netz::data_dir())
        .unwrap()
        .load()
        .unwrap();
    let (x, xt) = (min_max(&d.train_images), min_max(&d.test_images));
    let (y, yt) = (
        one_hot_with_classes(&d.train_labels, 10),
        one_hot_with_classes(&d.test_labels, 10),
    );
    let (mut w, mut b) = init_weights(784, 300, 10, &mut NumpyRng::seed(1234));
    let (mut losses, mut accs) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let (_, _, t_hat) = forward_pass(&w, &b, &xt);
        let (mut loss, mut acc) = (
            calc_loss(&t_hat, &yt) / xt.nrows() as f64,
            accuracy(&d.test_labels, &t_hat),
        );
        match mistake {
            "sum" => loss *= xt.nrows() as f64,
            "train" => (loss, acc) = evaluate(&w, &b, &x, &y, &d.train_labels),
            "percent" => acc *= 100.0,
            "probabilities" => {
                acc = t_hat
                    .rows()
                    .into_iter()
                    .map(|r| r.fold(0.0f64, |m, &v| m.max(v)))
                    .sum::<f64>()
                    / t_hat.nrows() as f64
            }
            _ => {}
        }
        let (w2, b2, _, _) = train_epoch(w, b, &x, &y, &d.train_labels, 0.3);
        (w, b) = (w2, b2);
        if mistake == "after" {
            loss = evaluate(&w, &b, &xt, &yt, &d.test_labels).0;
        }
        losses.push(loss);
        accs.push(acc);
    }
    (losses, accs)
}

#[test]
fn closing_exercise_mistakes_are_named() {
    let (l, a) = closing_exercise("none");
    let ok = check::test_metrics(&l, &a, 0.3);
    assert!(ok.passed(), "{}", ok.message());
    for (mistake, phrase) in [
        ("sum", "nicht durch die Anzahl der Testbilder geteilt"),
        ("train", "Trainings-Loss"),
        ("after", "erst nach dem Update"),
        ("percent", "in Prozent"),
        ("probabilities", "mittlere Wahrscheinlichkeit"),
    ] {
        let (l, a) = closing_exercise(mistake);
        names(check::test_metrics(&l, &a, 0.3), &[phrase]);
    }
}

// ---------- lesson 2 ----------

#[allow(clippy::too_many_arguments)]
fn central(
    w: &Weights,
    b: &Biases,
    x: &Array2<f64>,
    y: &Array2<f64>,
    l: usize,
    r: usize,
    c: usize,
    h: f64,
) -> f64 {
    let loss = |v: &Weights| {
        let (_, _, y_hat) = forward_pass(v, b, x);
        calc_loss(&y_hat, y) / x.nrows() as f64
    };
    let (mut plus, mut minus) = (w.clone(), w.clone());
    plus[l][[r, c]] += h;
    minus[l][[r, c]] -= h;
    (loss(&plus) - loss(&minus)) / (2.0 * h)
}

#[test]
fn numerical_gradient_divided_by_h_only() {
    names(
        check::numerical_gradient(|w, b, x, y, l, r, c, h| 2.0 * central(w, b, x, y, l, r, c, h)),
        &["durch h statt durch 2h"],
    );
}

#[test]
fn numerical_gradient_of_the_summed_loss() {
    names(
        check::numerical_gradient(|w, b, x, y, l, r, c, h| {
            x.nrows() as f64 * central(w, b, x, y, l, r, c, h)
        }),
        &["Summe des Loss statt des Mittels"],
    );
}

/// The loss with weight w[l][[r, c]] moved by `by`.
#[allow(clippy::too_many_arguments)]
fn moved_loss(
    w: &Weights,
    b: &Biases,
    x: &Array2<f64>,
    y: &Array2<f64>,
    l: usize,
    r: usize,
    c: usize,
    by: f64,
) -> f64 {
    let mut v = w.clone();
    v[l][[r, c]] += by;
    let (_, _, y_hat) = forward_pass(&v, b, x);
    calc_loss(&y_hat, y) / x.nrows() as f64
}

#[test]
fn numerical_gradient_one_sided_forward() {
    names(
        check::numerical_gradient(|w, b, x, y, l, r, c, h| {
            (moved_loss(w, b, x, y, l, r, c, h) - moved_loss(w, b, x, y, l, r, c, 0.0)) / h
        }),
        &["einseitige Differenz (L(w + h) − L(w)) / h", "zentrale"],
    );
}

#[test]
fn numerical_gradient_one_sided_backward() {
    names(
        check::numerical_gradient(|w, b, x, y, l, r, c, h| {
            (moved_loss(w, b, x, y, l, r, c, 0.0) - moved_loss(w, b, x, y, l, r, c, -h)) / h
        }),
        &["einseitige Differenz (L(w) − L(w − h)) / h"],
    );
}

#[test]
fn numerical_gradient_with_a_fixed_step_instead_of_h() {
    // h ignored: 1e-5 always. Right at the lesson's h, wrong at any other.
    names(
        check::numerical_gradient(|w, b, x, y, l, r, c, _h| central(w, b, x, y, l, r, c, 1e-5)),
        &["mit h = 0.5"],
    );
}

#[test]
fn minibatch_epoch_without_shuffling() {
    names(
        check::minibatch_epoch(|w, b, x, y, batch, lr, _rng| {
            let (mut w, mut b) = (w, b);
            let rows: Vec<usize> = (0..x.nrows()).collect();
            for chunk in rows.chunks(batch) {
                let (xb, yb) = (x.select(Axis(0), chunk), y.select(Axis(0), chunk));
                let (z_1, a_1, y_hat) = forward_pass(&w, &b, &xb);
                let (gw, gb) = back_prop(&xb, &z_1, &a_1, &y_hat, &yb, &w);
                (w, b) = update(w, b, &gw, &gb, lr);
            }
            (w, b)
        }),
        &["nicht gemischt", "shuffle"],
    );
}

#[test]
fn minibatch_epoch_as_one_full_batch_step() {
    names(
        check::minibatch_epoch(|w, b, x, y, _batch, lr, _rng| {
            let labels = y.map_axis(Axis(1), |r| r.iter().position(|&v| v == 1.0).unwrap());
            let (w, b, _, _) = train_epoch(w, b, x, y, &labels, lr);
            (w, b)
        }),
        &["Full Batch"],
    );
}

#[test]
fn a_crashing_function_is_explained_without_a_backtrace() {
    let verdict = check::update(|_, _, _, _, _| {
        let v: Vec<f64> = Vec::new();
        let _ = v[3];
        unreachable!()
    });
    names(
        verdict.clone(),
        &[
            "abgebrochen",
            "Index 3, aber es gibt nur 0 Einträge",
            "index out of bounds",
        ],
    );
    assert!(!verdict.message().contains("stack backtrace"));
}

#[test]
fn incompatible_shapes_in_elementwise_arithmetic_are_explained_in_german() {
    // z_1 + b with b of the wrong length: ndarray panics with an English ShapeError.
    let verdict = check::forward_pass(|w, b, x| {
        let z_1 = matmul(x, &w[0].t()) + &b[1];
        let a_1 = sigmoid(&z_1);
        let z_2 = matmul(&a_1, &w[1].t()) + &b[1];
        (z_1, a_1.clone(), softmax(&z_2, Axis(1)))
    });
    names(
        verdict,
        &[
            "abgebrochen",
            "für + − * / nicht zusammenpassen",
            ".shape()",
        ],
    );
}

#[test]
fn unwrap_on_none_is_explained_in_german() {
    let verdict = check::update(|w, b, _, _, _| {
        let first: Option<f64> = Vec::<f64>::new().first().copied();
        let _ = first.unwrap();
        (w, b)
    });
    names(verdict, &["unwrap() auf None"]);
}

// ---------- families: mistakes no catalogue lists, named by what they are ----------
// Each is diagnosed by a general rule (another quantity of the lesson, the
// other axis, other random numbers, a constant factor), not by a listed case.

fn right_forward(w: &Weights, b: &Biases, x: &Array2<f64>) -> Layers {
    forward_pass(w, b, x)
}

#[test]
fn forward_pass_returning_z_1_and_a_1_swapped() {
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let (z_1, a_1, y_hat) = right_forward(w, b, x);
            (a_1, z_1, y_hat)
        }),
        &["z_1 enthält genau die Werte von a_1", "Reihenfolge"],
    );
}

#[test]
fn forward_pass_returning_y_hat_in_place_of_a_1() {
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let (z_1, a_1, y_hat) = right_forward(w, b, x);
            (z_1, y_hat, a_1)
        }),
        &[
            "a_1 hat die Form (3, 4), erwartet (3, 5)",
            "die Form von y_hat",
        ],
    );
}

#[test]
fn forward_pass_returning_z_1_as_the_output() {
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let (z_1, a_1, _) = right_forward(w, b, x);
            (z_1.clone(), a_1, z_1)
        }),
        &["y_hat hat die Form (3, 5)", "die Form von z_1"],
    );
}

#[test]
fn forward_pass_normalising_columns_of_z_2_from_z_1() {
    // (Without b[1] would be no other mistake: a bias per column does not
    // change a softmax over the columns.)
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let (z_1, a_1, _) = right_forward(w, b, x);
            let y_hat = softmax(&(matmul(&z_1, &w[1].t()) + &b[1]), Axis(0));
            (z_1, a_1, y_hat)
        }),
        &[
            "jede Spalte ergibt zusammen 1",
            "Axis(0) statt über Axis(1)",
        ],
    );
}

#[test]
fn forward_pass_with_an_activation_left_as_zeros() {
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let (z_1, _, y_hat) = right_forward(w, b, x);
            let a_1 = Array2::zeros(z_1.raw_dim());
            (z_1, a_1, y_hat)
        }),
        &["a_1 weicht ab: überall 0"],
    );
}

#[test]
fn forward_pass_with_a_doubled_first_layer() {
    names(
        check::forward_pass(|w: &Weights, b: &Biases, x: &Array2<f64>| -> Layers {
            let (z_1, _, _) = right_forward(w, b, x);
            let z_1 = &z_1 * 2.0;
            let a_1 = sigmoid(&z_1);
            let y_hat = softmax(&(matmul(&a_1, &w[1].t()) + &b[1]), Axis(1));
            (z_1, a_1, y_hat)
        }),
        &["z_1 weicht ab", "Doppelte"],
    );
}

#[test]
fn back_prop_returning_the_layers_swapped() {
    names(
        check::back_prop(|x, z_1, a_1, y_hat, y, w| {
            let ([dw_1, dw_2], [db_1, db_2]) = back_prop(x, z_1, a_1, y_hat, y, w);
            ([dw_2, dw_1], [db_2, db_1])
        }),
        &[
            "grad_w[1] (dW_2) hat die Form (5, 6)",
            "die Form von grad_w[0] (dW_1)",
            "vertauscht",
        ],
    );
}

#[test]
fn back_prop_summing_the_bias_gradient_over_the_neurons() {
    names(
        check::back_prop(|x, z_1, a_1, y_hat, y, w| {
            let (gw, [db_1, _]) = back_prop(x, z_1, a_1, y_hat, y, w);
            let db_2 = (y_hat - y).sum_axis(Axis(1)) / x.nrows() as f64;
            (gw, [db_1, db_2])
        }),
        &[
            "grad_b[1] (db_2) hat die Länge 3 (ein Wert je Bild)",
            "Axis(1)",
            "sum_axis(Axis(0))",
        ],
    );
}

#[test]
fn back_prop_dividing_by_n_twice() {
    names(
        check::back_prop(|x, z_1, a_1, y_hat, y, w| {
            let (mut gw, gb) = back_prop(x, z_1, a_1, y_hat, y, w);
            gw[1] = &gw[1] / x.nrows() as f64;
            (gw, gb)
        }),
        &[
            "grad_w[1] (dW_2) weicht ab",
            "1/3 des richtigen Werts",
            "zu oft geteilt",
        ],
    );
}

#[test]
fn back_prop_with_a_doubled_first_layer_gradient() {
    names(
        check::back_prop(|x, z_1, a_1, y_hat, y, w| {
            let (mut gw, gb) = back_prop(x, z_1, a_1, y_hat, y, w);
            gw[0] = &gw[0] * 2.0;
            (gw, gb)
        }),
        &["grad_w[0] (dW_1) weicht ab", "Doppelte"],
    );
}

#[test]
fn back_prop_with_the_bias_gradient_of_the_output_layer_as_zeros() {
    names(
        check::back_prop(|x, z_1, a_1, y_hat, y, w| {
            let (gw, [db_1, db_2]) = back_prop(x, z_1, a_1, y_hat, y, w);
            (gw, [db_1, Array1::zeros(db_2.len())])
        }),
        &["grad_b[1] (db_2) weicht ab: überall 0"],
    );
}

#[test]
fn back_prop_with_the_first_bias_gradient_scaled_by_an_odd_factor() {
    names(
        check::back_prop(|x, z_1, a_1, y_hat, y, w| {
            let (gw, [db_1, db_2]) = back_prop(x, z_1, a_1, y_hat, y, w);
            (gw, [&db_1 * 0.7, db_2])
        }),
        &["grad_b[0] (db_1) weicht ab", "0.7000-Fache"],
    );
}

#[test]
fn update_returning_the_layers_swapped() {
    names(
        check::update(|w, b, gw, gb, lr| {
            let ([w_0, w_1], [b_0, b_1]) = update(w, b, gw, gb, lr);
            ([w_1, w_0], [b_0, b_1])
        }),
        &["w[0] hat die Form (4, 5)", "die Form von w[1]"],
    );
}

#[test]
fn update_applying_the_learning_rate_twice() {
    names(
        check::update(|w, b, gw, gb, lr| update(w, b, gw, gb, lr * lr)),
        &["der Schritt (neu − alt)", "1/4 des richtigen Werts"],
    );
}

#[test]
fn update_taking_a_double_step() {
    names(
        check::update(|w, b, gw, gb, lr| update(w, b, gw, gb, 2.0 * lr)),
        &["der Schritt (neu − alt)", "Doppelte"],
    );
}

#[test]
fn init_weights_with_an_own_generator_and_seed() {
    names(
        check::init_weights(|i, h, o, _rng| init_weights(i, h, o, &mut NumpyRng::seed(42))),
        &["w[0] weicht ab", "andere Zufallszahlen", "anderer Seed"],
    );
}

#[test]
fn init_weights_drawing_once_too_often() {
    names(
        check::init_weights(|i, h, o, rng| {
            let _: Array2<f64> = randn((1, 1), rng); // a stray draw before
            init_weights(i, h, o, rng)
        }),
        &["andere Zufallszahlen", "vorher schon"],
    );
}

#[test]
fn init_weights_returning_the_matrices_swapped() {
    names(
        check::init_weights(|i, h, o, rng| {
            let ([w_0, w_1], b) = init_weights(i, h, o, rng);
            ([w_1, w_0], b)
        }),
        &[
            "w[0] hat die Form (10, 200)",
            "die Form von w[1]",
            "vertauscht",
        ],
    );
}

#[test]
fn a_result_that_is_only_a_bit_off_is_not_called_other_random_numbers() {
    // A computation slightly off is strongly correlated with the right one:
    // the check must say where it differs, not blame the random numbers.
    names(
        check::init_weights(|i, h, o, rng| {
            let ([w_0, w_1], b) = init_weights(i, h, o, rng);
            let noise: Array2<f64> = randn(w_0.raw_dim(), &mut NumpyRng::seed(3));
            ([&w_0 + &(noise * 1e-3), w_1], b)
        }),
        &["w[0] weicht ab: an der Stelle"],
    );
}
