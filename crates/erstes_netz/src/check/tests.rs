//! The checks' own tests: the reference passes, catalogued mistakes and
//! families are named, open gaps are reported as such.

use super::*;

#[test]
fn families_of_mistakes_are_named_without_a_catalogue() {
    let expected = ndarray::array![[0.5, -1.25], [2.0, 0.125]];
    let told = |found: Array2<f64>| diagnose("dw", &found, &expected, &[]).unwrap();
    assert!(
        told(-&expected).contains("Negative (−1 ×)"),
        "{}",
        told(-&expected)
    );
    assert!(told(&expected * 2.0).contains("Doppelte"));
    assert!(told(&expected * 0.5).contains("Hälfte"));
    assert!(
        told(&expected * 8000.0).contains("8000-Fache"),
        "{}",
        told(&expected * 8000.0)
    );
    assert!(
        told(&expected / 60.0).contains("1/60"),
        "{}",
        told(&expected / 60.0)
    );
    assert!(
        told(&expected * 0.3).contains("0.3000-Fache"),
        "{}",
        told(&expected * 0.3)
    );
    assert!(told(Array2::zeros((2, 2))).contains("überall 0"));
    // not a family: one element wrong
    let mut one_off = expected.clone();
    one_off[[1, 0]] = 7.0;
    let other = told(one_off);
    assert!(
        other.contains("an der Stelle (1, 0)") && !other.contains("überall"),
        "{other}"
    );
    // a catalogued mistake is named first
    let doubled = &expected * 2.0;
    assert!(
        diagnose("dw", &doubled, &expected, &[(&doubled, "Katalog")])
            .unwrap()
            .contains("Katalog")
    );
}
use crate::{matmul, sigmoid, softmax};

fn good_forward(
    w: &Weights,
    b: &Biases,
    x: &Array2<f64>,
) -> (Array2<f64>, Array2<f64>, Array2<f64>) {
    crate::forward_pass(w, b, x)
}

#[test]
fn reference_functions_pass_every_check() {
    assert!(init_weights(|i, h, o, rng| crate::init_weights(i, h, o, rng)).passed());
    assert!(forward_pass(good_forward).passed());
    assert!(back_prop(|x, z, a, y_hat, y, w| crate::back_prop(x, z, a, y_hat, y, w)).passed());
    assert!(update(crate::update).passed());
}

#[test]
fn todo_is_reported_with_its_hint_not_as_a_crash() {
    let r = run(|| -> usize { todo!("Zeilen eintragen") });
    assert!(matches!(r, Run::Todo(ref h) if h == "Zeilen eintragen"));
    assert!(!init_weights(|_, _, _, _| todo!("Formen")).passed());
}

#[test]
fn forward_pass_mistakes_are_named() {
    // sigmoid where softmax belongs
    let f = |w: &Weights, b: &Biases, x: &Array2<f64>| {
        let z_1 = matmul(x, &w[0].t()) + &b[0];
        let a_1 = sigmoid(&z_1);
        let y_hat = sigmoid(&(matmul(&a_1, &w[1].t()) + &b[1]));
        (z_1, a_1, y_hat)
    };
    assert!(!forward_pass(f).passed());
    let g = |w: &Weights, b: &Biases, x: &Array2<f64>| {
        let z_1 = matmul(x, &w[0].t()) + &b[0];
        let a_1 = sigmoid(&z_1);
        let y_hat = softmax(&(matmul(&a_1, &w[1].t()) + &b[1]), Axis(0));
        (z_1, a_1, y_hat)
    };
    assert!(!forward_pass(g).passed());
}

#[test]
fn diagnose_names_the_matching_mistake() {
    let right = ndarray::array![[1.0, 2.0]];
    let wrong = ndarray::array![[2.0, 4.0]];
    let msg = diagnose("x", &wrong, &right, &[(&wrong.clone(), "verdoppelt.")]).unwrap();
    assert!(msg.ends_with("verdoppelt."), "{msg}");
    let other = ndarray::array![[1.0, 5.0]];
    let msg = diagnose("x", &other, &right, &[(&wrong, "verdoppelt.")]).unwrap();
    assert!(msg.contains("[0, 1]") || msg.contains("(0, 1)"), "{msg}");
    assert!(diagnose("x", &right.clone(), &right, &[]).is_none());
    let msg = diagnose("x", &right.t().to_owned(), &right, &[]).unwrap();
    assert!(msg.contains("transponiert"), "{msg}");
}

#[test]
fn lesson_two_checks_accept_the_reference_and_name_mistakes() {
    let numeric = |w: &Weights,
                   b: &Biases,
                   x: &Array2<f64>,
                   y: &Array2<f64>,
                   layer: usize,
                   r: usize,
                   c: usize,
                   h: f64| {
        let loss = |w: &Weights| {
            let (_, _, y_hat) = crate::forward_pass(w, b, x);
            crate::calc_loss(&y_hat, y) / x.nrows() as f64
        };
        let (mut plus, mut minus) = (w.clone(), w.clone());
        plus[layer][[r, c]] += h;
        minus[layer][[r, c]] -= h;
        (loss(&plus) - loss(&minus)) / (2.0 * h)
    };
    assert!(numerical_gradient(numeric).passed());
    let halved = |w: &Weights,
                  b: &Biases,
                  x: &Array2<f64>,
                  y: &Array2<f64>,
                  l: usize,
                  r: usize,
                  c: usize,
                  h: f64| { 2.0 * numeric(w, b, x, y, l, r, c, h) };
    assert!(!numerical_gradient(halved).passed());
    assert!(
        minibatch_epoch(|w, b, x, y, n, lr, rng| crate::minibatch_epoch(w, b, x, y, n, lr, rng))
            .passed()
    );
    assert!(!minibatch_epoch(|w, b, _, _, _, _, _| (w, b)).passed());
}

#[test]
fn continued_training_detects_restart() {
    assert!(!continued_training(&[2.5, 1.0, 0.6], &[2.5, 1.0]).passed());
    assert!(continued_training(&[2.5, 1.0, 0.6], &[0.59, 0.55]).passed());
}
