//! Properties that must hold for every input, checked on many random ones.

use erstes_netz::ndarray::{Array1, Array2, Axis};
use erstes_netz::{load_csv, matmul, min_max, one_hot, predictions, sigmoid, softmax};
use proptest::prelude::*;

/// A matrix with `rows` × `cols` entries from `values`.
fn matrix(
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
    values: impl Strategy<Value = f64> + Clone,
) -> impl Strategy<Value = Array2<f64>> {
    (rows, cols).prop_flat_map(move |(r, c)| {
        prop::collection::vec(values.clone(), r * c)
            .prop_map(move |v| Array2::from_shape_vec((r, c), v).unwrap())
    })
}

/// Finite numbers, small and huge, including exact zeros.
fn finite() -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        Just(0.0),
        -10.0..10.0f64,
        -1e300..1e300f64,
        prop::num::f64::NORMAL
    ]
}

proptest! {
    #[test]
    fn softmax_rows_are_probabilities(z in matrix(1..6, 1..12, finite())) {
        let p = softmax(&z, Axis(1));
        for row in p.rows() {
            prop_assert!(row.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)), "{row}");
            prop_assert!((row.sum() - 1.0).abs() < 1e-12, "sum {}", row.sum());
        }
    }

    #[test]
    fn sigmoid_stays_between_0_and_1(z in matrix(1..5, 1..8, finite())) {
        prop_assert!(sigmoid(&z).iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn one_hot_then_argmax_gives_the_labels_back(labels in prop::collection::vec(0usize..10, 1..50)) {
        let labels = Array1::from(labels);
        let y = one_hot(&labels);
        prop_assert_eq!(predictions(&y), labels.clone());
        prop_assert!(y.rows().into_iter().all(|r| r.sum() == 1.0));
    }

    #[test]
    fn min_max_output_lies_in_0_1(x in matrix(1..6, 1..10, finite())) {
        let s = min_max(&x);
        prop_assert!(s.iter().all(|v| (0.0..=1.0).contains(v)), "{s}");
        let (lo, hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        if hi > lo {
            prop_assert!(s.iter().any(|&v| v == 0.0) && s.iter().any(|&v| v == 1.0));
        } else {
            prop_assert!(s.iter().all(|&v| v == 0.0));
        }
    }

    #[test]
    fn matmul_equals_the_plain_product_also_when_sparse(
        (a, b) in (1usize..80, 1usize..130, 1usize..70, 0.0..0.95f64).prop_flat_map(|(m, k, n, zeros)| {
            let value = move || (prop::bool::weighted(zeros), -3.0..3.0f64).prop_map(|(z, v)| if z { 0.0 } else { v });
            (matrix(m..m + 1, k..k + 1, value()), matrix(k..k + 1, n..n + 1, value()))
        })
    ) {
        let fast = matmul(&a, &b);
        let plain = a.dot(&b);
        let worst = (&fast - &plain).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        prop_assert!(worst < 1e-10, "largest difference {worst:e}");
        // and through transposed views
        let fast_t = matmul(&b.t(), &a.t());
        prop_assert!((&fast_t - &plain.t()).iter().all(|v| v.abs() < 1e-10));
    }

    #[test]
    fn csv_written_in_the_lessons_format_reads_back(
        rows in prop::collection::vec((0usize..10, prop::collection::vec(0u8..=255, 784)), 1..5)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daten.csv");
        let text: String = rows
            .iter()
            .map(|(l, px)| format!("{l},{}\n", px.iter().map(u8::to_string).collect::<Vec<_>>().join(",")))
            .collect();
        std::fs::write(&path, text).unwrap();
        let (x, labels) = load_csv(&path).unwrap();
        prop_assert_eq!(labels.to_vec(), rows.iter().map(|r| r.0).collect::<Vec<_>>());
        for (i, (_, px)) in rows.iter().enumerate() {
            prop_assert!(x.row(i).iter().zip(px).all(|(&a, &b)| a == f64::from(b)));
        }
    }
}
