//! The lesson's check cells: they run a student's function (or look at a
//! student's result), compare it with the crate's reference implementation
//! and explain in German what is right or what exactly is wrong.
//!
//! Every check prints one line starting with ✅ (passed), ❌ (wrong) or ✏️
//! (a `todo!` is still open) and returns a [`Verdict`], which the notebook
//! shows below the cell and nbgrader reads as points. A panic in the
//! student's code is caught and explained; a check never ends in a backtrace.
//!
//! The diagnosis compares the student's result with the results of the
//! typical mistakes (bias forgotten, softmax over the wrong axis, …): if it
//! equals one of them, the message names that mistake.

pub(crate) mod panics;
mod progress;

// shared by every check
mod diagnose;
mod lesson_data;
mod verdict;

// one file per exercise, in the order of the lessons
mod back_prop;
mod continued_training;
mod first_classification;
mod forward_pass;
mod init_weights;
mod minibatch_epoch;
mod numerical_gradient;
mod test_metrics;
mod training_step;
mod update;

pub use back_prop::back_prop;
pub use continued_training::continued_training;
pub use first_classification::first_classification;
pub use forward_pass::forward_pass;
pub use init_weights::init_weights;
pub use minibatch_epoch::minibatch_epoch;
pub use numerical_gradient::numerical_gradient;
pub use test_metrics::test_metrics;
pub use training_step::training_step;
pub use update::update;
pub use verdict::Verdict;

use diagnose::*;
use lesson_data::*;
use verdict::*;

pub use progress::{Fortschritt, Hinweis, fortschritt, hinweis};

use std::panic::{AssertUnwindSafe, catch_unwind};

use ndarray::{Array1, Array2, ArrayRef, Axis, Dimension};

use crate::shape::fmt_shape;
use crate::{Biases, DataSource, NumpyRng, Weights, data_dir, min_max, one_hot_with_classes};

/// The lesson's network: 784 inputs, 300 hidden neurons, 10 outputs, seed 1234.
pub const INPUT: usize = 784;
/// See [`INPUT`].
pub const HIDDEN: usize = 300;
/// See [`INPUT`].
pub const OUTPUT: usize = 10;
/// See [`INPUT`].
pub const SEED: u32 = 1234;

/// Relative tolerance when comparing with the reference.
const TOL: f64 = 1e-9;

#[cfg(test)]
mod tests;
