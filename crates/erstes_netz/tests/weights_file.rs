//! Saving and loading weights: round trip, atomic replacement, clear errors.

use erstes_netz::ndarray::{Array1, Array2};
use erstes_netz::ndarray_npy::NpzWriter;
use erstes_netz::{Error, NumpyRng, init_weights, load_weights, save_weights};

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn save_replaces_an_existing_file_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gewichte.npz");
    let (w1, b1) = init_weights(6, 4, 3, &mut NumpyRng::seed(1));
    let (w2, b2) = init_weights(6, 5, 3, &mut NumpyRng::seed(2));
    save_weights(&path, &w1, &b1).unwrap();
    save_weights(&path, &w2, &b2).unwrap();
    assert_eq!(load_weights(&path).unwrap(), (w2, b2));
    assert_eq!(names(dir.path()), ["gewichte.npz"]);
}

#[test]
fn save_into_a_missing_folder_fails_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let (w, b) = init_weights(2, 2, 2, &mut NumpyRng::seed(1));
    let err = save_weights(dir.path().join("fehlt/gewichte.npz"), &w, &b).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("fehlt"), "{err}");
    assert!(names(dir.path()).is_empty());
}

fn write_npz(
    path: &std::path::Path,
    arrays: &[(&str, Array2<f64>)],
    vectors: &[(&str, Array1<f64>)],
) {
    let mut npz = NpzWriter::new(std::fs::File::create(path).unwrap());
    for (name, a) in arrays {
        npz.add_array(*name, a).unwrap();
    }
    for (name, v) in vectors {
        npz.add_array(*name, v).unwrap();
    }
    npz.finish().unwrap();
}

#[test]
fn missing_array_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("halb.npz");
    write_npz(&path, &[("W0", Array2::zeros((3, 4)))], &[]);
    let msg = load_weights(&path).unwrap_err().to_string();
    assert!(msg.contains("halb.npz") && msg.contains("„W1“"), "{msg}");
}

#[test]
fn shapes_that_do_not_make_a_network_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schief.npz");
    write_npz(
        &path,
        &[("W0", Array2::zeros((3, 4))), ("W1", Array2::zeros((2, 5)))],
        &[("b0", Array1::zeros(3)), ("b1", Array1::zeros(2))],
    );
    let msg = load_weights(&path).unwrap_err().to_string();
    assert!(msg.contains("W0 (3, 4), W1 (2, 5)"), "{msg}");
}

#[test]
fn a_file_that_is_not_npz_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.npz");
    std::fs::write(&path, "kein zip").unwrap();
    let err = load_weights(&path).unwrap_err();
    assert!(matches!(err, Error::Weights { .. }), "{err:?}");
    assert!(
        err.to_string().contains("keine gültige .npz-Datei"),
        "{err}"
    );
    assert!(matches!(
        load_weights(dir.path().join("nichts.npz")),
        Err(Error::NotFound { .. })
    ));
}
