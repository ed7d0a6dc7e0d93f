//! # erstes_netz
//!
//! The helper crate of the German lesson „Erstes Neuronales Netzwerk“ in Rust:
//! a two-layer network for handwritten digits (MNIST), built by hand as in the
//! original Python/numpy lesson. Every function of the lesson is here, with
//! the lesson's name and the lesson's math, on `f64` arrays:
//!
//! | lesson (numpy)                | here                                            |
//! |-------------------------------|-------------------------------------------------|
//! | `np.random.seed(1234)`        | [`NumpyRng::seed`]`(1234)` (same numbers)       |
//! | `np.random.randn(r, c)`       | [`randn`]`((r, c), &mut rng)`                   |
//! | `np.matmul(a, b)`             | [`matmul`]`(&a, &b)`, `b.T` is `b.t()`          |
//! | `sigmoid`, `softmax`          | [`sigmoid`]`(&z)`, [`softmax`]`(&z, Axis(1))`   |
//! | `one_hot`, `min_max`          | [`one_hot`]`(&labels)`, [`min_max`]`(&x)`       |
//! | `init_weights(784, 300, 10)`  | [`init_weights`]`(784, 300, 10, &mut rng)`      |
//! | `forward_pass(W, b, X)`       | [`forward_pass`]`(&w, &b, &x)`                  |
//! | `calc_loss`, `accuracy`       | [`calc_loss`], [`accuracy`]                     |
//! | `back_prop(X, Z_1, A_1, Y_hat, y)` | [`back_prop`]`(&x, &z_1, &a_1, &y_hat, &y, &w)` |
//! | `update(W, b, gW, gb, lr)`    | [`update`]`(w, b, &grad_w, &grad_b, lr)`        |
//! | `np.genfromtxt(...)`          | [`load_data`], [`load_csv`], [`load_idx`]       |
//!
//! Functions take arrays by reference (`&x`) and return new, owned arrays, so
//! results can live in notebook variables. Wrong shapes panic with a German
//! message that names the shapes and the likely mistake; bad data files give
//! an [`Error`] that names file, line and column.
//!
//! ```
//! use erstes_netz::prelude::*;
//!
//! let mut rng = NumpyRng::seed(1234);
//! let (w, b) = init_weights(784, 300, 10, &mut rng);
//! let x = Array2::<f64>::zeros((2, 784));
//! let (z_1, a_1, y_hat) = forward_pass(&w, &b, &x);
//! let y = one_hot(&array![3, 9]);
//! let loss = calc_loss(&y_hat, &y) / 2.0;
//! let (grad_w, grad_b) = back_prop(&x, &z_1, &a_1, &y_hat, &y, &w);
//! let (w, b) = update(w, b, &grad_w, &grad_b, 0.1);
//! assert!(loss > 0.0 && w[0].shape() == [300, 784] && b[1].len() == 10);
//! ```

mod activation;
pub mod check;
mod data;
#[cfg(feature = "download")]
mod download;
mod error;
mod kernel;
mod linalg;
mod memory;
mod model;
pub mod notebook;
mod numpy_rng;
mod plot;
mod preprocess;
pub mod profile;
mod shape;
mod train;
mod weights_file;

// The notebook and the crate must agree on these versions: use them from here.
pub use ndarray;
pub use ndarray_rand;
pub use rand;
pub use rand_distr;

pub use activation::{sigmoid, softmax};
pub use data::{
    BUNDLED_FASHION_TEST, BUNDLED_FASHION_TRAIN, BUNDLED_TEST, BUNDLED_TRAIN, DATA_DIR_VAR,
    DataSource, FASHION_CLASSES, FULL_CSV, IDX_FILES, Mnist, PIXELS, data_dir, fashion_source,
    german_count, load_csv, load_data, load_fashion_mnist, load_idx,
};
#[cfg(feature = "download")]
pub use download::{
    FASHION_SHA256, FASHION_URL, LESSON_URLS, MNIST_LABEL_COUNTS, download_fashion_mnist,
    download_file, download_mnist, sha256_of_data, verify_sha256,
};
pub use error::{Error, Result};
pub use kernel::ImagePattern;
pub use linalg::{matmul, randn};
pub use memory::keep_freed_memory;
pub use model::{
    Biases, Weights, accuracy, back_prop, calc_loss, forward_pass, init_weights, update,
};
pub use numpy_rng::NumpyRng;
pub use plot::{
    Figure, show_curves, show_digit, show_digits, show_flattening, show_learning_rates, show_lines,
    show_matrix, show_weight_images,
};
pub use preprocess::{min_max, min_max_inplace, one_hot, one_hot_with_classes};
pub use train::{evaluate, minibatch_epoch, predictions, train_epoch};
pub use weights_file::{load_weights, save_weights};

/// Everything a lesson notebook needs: `use erstes_netz::prelude::*;`
pub mod prelude {
    pub use crate::{
        Biases, Mnist, NumpyRng, Weights, accuracy, back_prop, calc_loss, forward_pass,
        init_weights, load_data, matmul, min_max, one_hot, randn, sigmoid, softmax, update,
    };
    pub use ndarray::{Array, Array1, Array2, ArrayView1, ArrayView2, Axis, array, s};
}
