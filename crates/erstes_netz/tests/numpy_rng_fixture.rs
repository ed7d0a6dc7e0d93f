//! `NumpyRng` + `init_weights` against numbers made by numpy itself
//! (tests/fixtures/numpy_init_weights.json, written by
//! tests/reference/make_rng_fixture.py).

use erstes_netz::ndarray::Array2;
use erstes_netz::{NumpyRng, init_weights};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/numpy_init_weights.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture file")).expect("JSON")
}

fn le_sha256(a: &Array2<f64>) -> String {
    let mut h = Sha256::new();
    for v in a.iter() {
        h.update(v.to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().parse().unwrap())
        .collect()
}

fn check(name: &str, seed: u64, got: &Array2<f64>, want: &Value) {
    let shape: Vec<usize> = want["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(got.shape(), shape.as_slice(), "seed {seed}, {name}: shape");
    let flat: Vec<f64> = got.iter().copied().collect();
    assert_eq!(
        flat[..5],
        floats(&want["first"])[..],
        "seed {seed}, {name}: first values"
    );
    assert_eq!(
        flat[flat.len() - 5..],
        floats(&want["last"])[..],
        "seed {seed}, {name}: last values"
    );
    assert_eq!(
        le_sha256(got),
        want["sha256"].as_str().unwrap(),
        "seed {seed}, {name}: all bits"
    );
    let sum: f64 = want["sum"].as_str().unwrap().parse().unwrap();
    assert!(
        (got.sum() - sum).abs() < 1e-9,
        "seed {seed}, {name}: sum {} vs {sum}",
        got.sum()
    );
}

#[test]
fn init_weights_equals_numpy_bit_for_bit() {
    let fixture = fixture();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 2, "fixture has too few seeds");
    for case in cases {
        let seed = case["seed"].as_u64().unwrap();
        let (w, b) = init_weights(784, 300, 10, &mut NumpyRng::seed(seed as u32));
        check("W0", seed, &w[0], &case["W0"]);
        check("W1", seed, &w[1], &case["W1"]);
        assert!(b[0].iter().chain(b[1].iter()).all(|&v| v == 0.0));
    }
}

#[test]
fn a_different_seed_gives_different_weights() {
    let (a, _) = init_weights(784, 300, 10, &mut NumpyRng::seed(1234));
    let (b, _) = init_weights(784, 300, 10, &mut NumpyRng::seed(1235));
    assert_ne!(le_sha256(&a[0]), le_sha256(&b[0]));
}
