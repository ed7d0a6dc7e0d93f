//! `back_prop` against central finite differences of the mean loss.

use erstes_netz::ndarray::{Array1, Array2};
use erstes_netz::rand::SeedableRng;
use erstes_netz::rand::rngs::StdRng;
use erstes_netz::{
    Biases, Weights, back_prop, calc_loss, forward_pass, init_weights, one_hot_with_classes, randn,
};

fn mean_loss(w: &Weights, b: &Biases, x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let (_, _, y_hat) = forward_pass(w, b, x);
    calc_loss(&y_hat, y) / x.nrows() as f64
}

/// Largest relative difference between analytic and numeric gradient.
fn worst_relative_error(analytic: &[f64], mut loss_at: impl FnMut(usize, f64) -> f64) -> f64 {
    const H: f64 = 1e-6;
    let mut worst: f64 = 0.0;
    for (i, &g) in analytic.iter().enumerate() {
        let numeric = (loss_at(i, H) - loss_at(i, -H)) / (2.0 * H);
        let scale = g.abs().max(numeric.abs()).max(1e-8);
        worst = worst.max((g - numeric).abs() / scale);
    }
    worst
}

#[test]
fn back_prop_matches_finite_differences() {
    let mut rng = StdRng::seed_from_u64(42);
    let (mut w, mut b) = init_weights(5, 4, 3, &mut rng);
    // Non-zero biases so their gradients are tested away from the origin.
    b[0] = randn(4, &mut rng) * 0.1;
    b[1] = randn(3, &mut rng) * 0.1;
    let x: Array2<f64> = randn((6, 5), &mut rng);
    let labels = Array1::from(vec![0, 1, 2, 1, 0, 2]);
    let y = one_hot_with_classes(&labels, 3);

    let (z_1, a_1, y_hat) = forward_pass(&w, &b, &x);
    let (grad_w, grad_b) = back_prop(&x, &z_1, &a_1, &y_hat, &y, &w);

    for layer in 0..2 {
        let analytic: Vec<f64> = grad_w[layer].iter().copied().collect();
        let worst = worst_relative_error(&analytic, |i, h| {
            let cols = w[layer].ncols();
            let (r, c) = (i / cols, i % cols);
            let old = w[layer][[r, c]];
            w[layer][[r, c]] = old + h;
            let loss = mean_loss(&w, &b, &x, &y);
            w[layer][[r, c]] = old;
            loss
        });
        assert!(worst < 1e-6, "dW[{layer}]: relative error {worst:e}");

        let analytic: Vec<f64> = grad_b[layer].to_vec();
        let worst = worst_relative_error(&analytic, |i, h| {
            let old = b[layer][i];
            b[layer][i] = old + h;
            let loss = mean_loss(&w, &b, &x, &y);
            b[layer][i] = old;
            loss
        });
        assert!(worst < 1e-6, "db[{layer}]: relative error {worst:e}");
    }
}

#[test]
fn a_wrong_gradient_fails_the_check() {
    // The check itself must be able to fail: a sign error in dW₂ is caught.
    let mut rng = StdRng::seed_from_u64(7);
    let (mut w, b) = init_weights(5, 4, 3, &mut rng);
    let x: Array2<f64> = randn((6, 5), &mut rng);
    let y = one_hot_with_classes(&Array1::from(vec![0, 1, 2, 1, 0, 2]), 3);
    let (z_1, a_1, y_hat) = forward_pass(&w, &b, &x);
    let (grad_w, _) = back_prop(&x, &z_1, &a_1, &y_hat, &y, &w);
    let wrong: Vec<f64> = grad_w[1].iter().map(|g| -g).collect();
    let worst = worst_relative_error(&wrong, |i, h| {
        let cols = w[1].ncols();
        let (r, c) = (i / cols, i % cols);
        let old = w[1][[r, c]];
        w[1][[r, c]] = old + h;
        let loss = mean_loss(&w, &b, &x, &y);
        w[1][[r, c]] = old;
        loss
    });
    assert!(worst > 1.0, "a sign error should be visible, got {worst:e}");
}
