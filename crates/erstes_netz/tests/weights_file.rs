//! Saving and loading weights: round trip, atomic replacement, clear errors.

use erstes_netz::ndarray::{Array1, Array2};
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
    let mut entries = Vec::new();
    for (name, a) in arrays {
        let shape = format!("({}, {})", a.nrows(), a.ncols());
        entries.push((
            format!("{name}.npy"),
            f64_npy(&shape, a.as_slice().unwrap()),
        ));
    }
    for (name, v) in vectors {
        entries.push((
            format!("{name}.npy"),
            f64_npy(&format!("({},)", v.len()), v.as_slice().unwrap()),
        ));
    }
    let entries: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    raw_npz(path, &entries);
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

/// An `.npy` file written by hand: version 1.0, the given header dictionary, then `data`.
fn raw_npy(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = dict.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn raw_npz(path: &std::path::Path, entries: &[(&str, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, bytes).unwrap();
    }
    zip.finish().unwrap();
}

fn f64_npy(shape: &str, values: &[f64]) -> Vec<u8> {
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    raw_npy(
        &format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}"),
        &data,
    )
}

#[test]
fn a_header_claiming_huge_arrays_is_rejected_without_allocating_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("riesig.npz");
    // 2^40 × 2^20 f64 would be 8 EiB: must be refused from the header alone.
    raw_npz(
        &path,
        &[("W0.npy", f64_npy("(1099511627776, 1048576)", &[1.0, 2.0]))],
    );
    let msg = load_weights(&path).unwrap_err().to_string();
    assert!(
        msg.contains("„W0“")
            && msg.contains("Form (1099511627776, 1048576)")
            && msg.contains("die Datei hat 16"),
        "{msg}"
    );
}

#[test]
fn a_deeply_nested_or_overlong_header_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tief.npz");
    let nested = format!("{}{}", "(".repeat(3000), ")".repeat(3000));
    raw_npz(&path, &[("W0.npy", raw_npy(&nested, &[]))]);
    let msg = load_weights(&path).unwrap_err().to_string();
    assert!(msg.contains("zu tief verschachtelt"), "{msg}");

    let long = format!("{{'descr': '<f8', 'x': '{}'}}", "a".repeat(20_000));
    raw_npz(&path, &[("W0.npy", raw_npy(&long, &[]))]);
    let msg = load_weights(&path).unwrap_err().to_string();
    assert!(msg.contains("zu lang oder abgeschnitten"), "{msg}");
}

#[test]
fn wrong_dtype_and_wrong_dimension_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typ.npz");
    let f32_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }";
    raw_npz(
        &path,
        &[("W0.npy", raw_npy(f32_dict, &1.0f32.to_le_bytes()))],
    );
    let msg = load_weights(&path).unwrap_err().to_string();
    assert!(msg.contains("Datentyp '<f4' statt f64"), "{msg}");

    raw_npz(&path, &[("W0.npy", f64_npy("(2,)", &[1.0, 2.0]))]);
    let msg = load_weights(&path).unwrap_err().to_string();
    assert!(msg.contains("1 Dimension(en) (2,) statt 2"), "{msg}");
}

#[test]
fn compressed_and_big_endian_files_from_numpy_load() {
    let dir = tempfile::tempdir().unwrap();
    let (w, b) = init_weights(4, 3, 2, &mut NumpyRng::seed(5));
    let path = dir.path().join("komprimiert.npz");
    // raw_npz compresses its entries, as np.savez_compressed does.
    write_npz(
        &path,
        &[("W0", w[0].clone()), ("W1", w[1].clone())],
        &[("b0", b[0].clone()), ("b1", b[1].clone())],
    );
    assert_eq!(load_weights(&path).unwrap(), (w.clone(), b.clone()));

    // np.savez of a '>f8' array (e.g. from a big-endian machine).
    let big = |a: &[f64], shape: &str| {
        let data: Vec<u8> = a.iter().flat_map(|v| v.to_be_bytes()).collect();
        raw_npy(
            &format!("{{'descr': '>f8', 'fortran_order': False, 'shape': {shape}, }}"),
            &data,
        )
    };
    let shape2 = |a: &Array2<f64>| format!("({}, {})", a.nrows(), a.ncols());
    let path = dir.path().join("big.npz");
    raw_npz(
        &path,
        &[
            ("W0.npy", big(w[0].as_slice().unwrap(), &shape2(&w[0]))),
            ("W1.npy", big(w[1].as_slice().unwrap(), &shape2(&w[1]))),
            ("b0.npy", big(b[0].as_slice().unwrap(), "(3,)")),
            ("b1.npy", big(b[1].as_slice().unwrap(), "(2,)")),
        ],
    );
    assert_eq!(load_weights(&path).unwrap(), (w, b));
}

#[test]
fn fortran_order_and_headers_as_numpy_writes_them_load() {
    // np.savez of np.asfortranarray(W): the data column by column, fortran_order True;
    // double quotes and no trailing comma are valid Python as well.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fortran.npz");
    let w0 = Array2::from_shape_vec((2, 3), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let by_column: Vec<u8> = [1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let w1 = Array2::from_shape_vec((1, 2), vec![7.0, 8.0]).unwrap();
    raw_npz(
        &path,
        &[
            (
                "W0.npy",
                raw_npy(
                    "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                    &by_column,
                ),
            ),
            (
                "W1.npy",
                raw_npy(
                    "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (1,2)}",
                    &[7.0f64, 8.0]
                        .iter()
                        .flat_map(|v| v.to_le_bytes())
                        .collect::<Vec<u8>>(),
                ),
            ),
            ("b0.npy", f64_npy("(2,)", &[0.5, 0.25])),
            ("b1.npy", f64_npy("(1,)", &[9.0])),
        ],
    );
    let (w, b) = load_weights(&path).unwrap();
    assert_eq!(w, [w0, w1]);
    assert_eq!(b, [Array1::from(vec![0.5, 0.25]), Array1::from(vec![9.0])]);
}

#[test]
fn saved_files_have_numpys_uncompressed_npy_layout() {
    // What np.savez writes for a (2, 1) array: a 128-byte header (data aligned to 64),
    // then the values little-endian in C order.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gewichte.npz");
    let w = [
        Array2::from_shape_vec((2, 1), vec![1.5, -2.0]).unwrap(),
        Array2::from_shape_vec((1, 2), vec![3.0, 4.0]).unwrap(),
    ];
    let b = [Array1::from(vec![0.0, 1.0]), Array1::from(vec![2.0])];
    save_weights(&path, &w, &b).unwrap();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut entry = archive.by_name("W0.npy").unwrap();
    assert_eq!(entry.compression(), zip::CompressionMethod::Stored);
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
    let data: Vec<u8> = [1.5f64, -2.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    assert_eq!(
        bytes,
        raw_npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }",
            &data
        )
    );
    assert_eq!(bytes.len(), 128 + 16);
}

#[test]
fn broken_header_dictionaries_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kopf.npz");
    for (dict, expected) in [
        (
            "{'descr': '<f8', 'shape': (1, 1), }",
            "'descr', 'fortran_order' oder 'shape' fehlt",
        ),
        (
            "{'descr': '<f8', 'fortran_order': Nein, 'shape': (1, 1), }",
            "True oder False erwartet",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1, x), }",
            "Zahl erwartet",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), 'extra': 1}",
            "unbekannter Eintrag 'extra'",
        ),
        ("{'descr: '<f8'}", "„:“ erwartet"),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1)} mehr",
            "unerwarteter Text",
        ),
    ] {
        raw_npz(&path, &[("W0.npy", raw_npy(dict, &1.0f64.to_le_bytes()))]);
        let msg = load_weights(&path).unwrap_err().to_string();
        assert!(
            msg.contains("„W0“") && msg.contains(expected),
            "{dict}: {msg}"
        );
    }
}
