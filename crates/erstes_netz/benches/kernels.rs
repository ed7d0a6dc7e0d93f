//! Benchmarks of the hot functions, so that a regression shows:
//! `cargo bench -p erstes_netz --bench kernels`.
//!
//! The data imitate the lesson at a fifth of its size: 12,000 "images" of
//! 784 pixels with half of them zero (as in Fashion-MNIST), a hidden layer
//! of 300, 10 classes. The full-size comparison with numpy is `make bench`.

use divan::Bencher;
use erstes_netz::ndarray::{Array1, Array2};
use erstes_netz::{
    NumpyRng, back_prop, forward_pass, init_weights, matmul, one_hot_with_classes, randn, sigmoid,
};

const IMAGES: usize = 12_000;

fn images() -> Array2<f64> {
    let x: Array2<f64> = randn((IMAGES, 784), &mut NumpyRng::seed(1));
    x.mapv(|v| if v > 0.0 { v.min(1.0) } else { 0.0 })
}

fn main() {
    // As the command line does: reuse freed memory instead of faulting it in anew.
    erstes_netz::keep_freed_memory();
    divan::main();
}

#[divan::bench]
fn matmul_images_times_weights(b: Bencher) {
    let x = images();
    let (w, _) = init_weights(784, 300, 10, &mut NumpyRng::seed(2));
    b.bench(|| matmul(&x, &w[0].t()));
}

#[divan::bench]
fn matmul_gradient_times_images(b: Bencher) {
    let x = images();
    let dz: Array2<f64> = randn((IMAGES, 300), &mut NumpyRng::seed(3));
    b.bench(|| matmul(&dz.t(), &x));
}

#[divan::bench]
fn matmul_dense(b: Bencher) {
    let a: Array2<f64> = randn((IMAGES, 300), &mut NumpyRng::seed(4));
    let w: Array2<f64> = randn((300, 300), &mut NumpyRng::seed(5));
    b.bench(|| matmul(&a, &w));
}

#[divan::bench]
fn sigmoid_hidden_layer(b: Bencher) {
    let z: Array2<f64> = randn((IMAGES, 300), &mut NumpyRng::seed(6));
    b.bench(|| sigmoid(&z));
}

#[divan::bench]
fn forward_pass_lesson_network(b: Bencher) {
    let x = images();
    let (w, bias) = init_weights(784, 300, 10, &mut NumpyRng::seed(7));
    b.bench(|| forward_pass(&w, &bias, &x));
}

#[divan::bench]
fn back_prop_lesson_network(b: Bencher) {
    let x = images();
    let (w, bias) = init_weights(784, 300, 10, &mut NumpyRng::seed(8));
    let labels = Array1::from_iter((0..IMAGES).map(|i| i % 10));
    let y = one_hot_with_classes(&labels, 10);
    let (z_1, a_1, y_hat) = forward_pass(&w, &bias, &x);
    b.bench(|| back_prop(&x, &z_1, &a_1, &y_hat, &y, &w));
}

// The three products with the 10 classes, as the students' own forward_pass
// and back_prop call them through `matmul` (the command line fuses them into
// its elementwise passes). Lesson 1's size: 8,000 images, hidden 200.
const LESSON_IMAGES: usize = 8_000;

fn hidden_activations() -> Array2<f64> {
    let z: Array2<f64> = randn((LESSON_IMAGES, 200), &mut NumpyRng::seed(9));
    sigmoid(&z)
}

#[divan::bench]
fn matmul_thin_activations_times_weights(b: Bencher) {
    let a_1 = hidden_activations();
    let w_1: Array2<f64> = randn((10, 200), &mut NumpyRng::seed(10));
    b.bench(|| matmul(&a_1, &w_1.t()));
}

#[divan::bench]
fn matmul_thin_errors_times_weights(b: Bencher) {
    let dz_2: Array2<f64> = randn((LESSON_IMAGES, 10), &mut NumpyRng::seed(11));
    let w_1: Array2<f64> = randn((10, 200), &mut NumpyRng::seed(12));
    b.bench(|| matmul(&dz_2, &w_1));
}

#[divan::bench]
fn matmul_thin_errors_times_activations(b: Bencher) {
    let a_1 = hidden_activations();
    let dz_2: Array2<f64> = randn((LESSON_IMAGES, 10), &mut NumpyRng::seed(13));
    b.bench(|| matmul(&dz_2.t(), &a_1));
}
