//! Reading CSV and IDX files: good files load, bad files give an error that
//! names the file, the place and what was expected vs. found.

use std::io::Write;
use std::path::{Path, PathBuf};

use erstes_netz::{DataSource, Error, load_csv, load_idx};
use flate2::Compression;
use flate2::write::GzEncoder;
use tempfile::TempDir;

fn csv_line(label: &str, pixels: &[&str]) -> String {
    format!("{label},{}\n", pixels.join(","))
}

/// A valid row: label, then pixel j = j % 256.
fn good_line(label: u8) -> String {
    let pixels: Vec<String> = (0..784).map(|j| (j % 256).to_string()).collect();
    format!("{label},{}\n", pixels.join(","))
}

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn idx_images(n: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 8, 3];
    for d in [n, rows, cols] {
        v.extend(d.to_be_bytes());
    }
    v.extend(pixels);
    v
}

fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 8, 1];
    v.extend((labels.len() as u32).to_be_bytes());
    v.extend(labels);
    v
}

fn message(result: Result<impl std::fmt::Debug, Error>) -> (Error, String) {
    let err = result.expect_err("expected an error");
    let msg = err.to_string();
    (err, msg)
}

fn assert_mentions(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "message lacks {p:?}: {msg}");
    }
}

#[test]
fn good_csv_loads_plain_gzip_crlf_and_float_spelling() {
    let dir = TempDir::new().unwrap();
    let text = good_line(3) + &good_line(9);
    let plain = write(&dir, "a.csv", text.as_bytes());
    let gz = write(&dir, "b.csv.gz", &gzip(text.as_bytes()));
    // CRLF line ends and numpy.savetxt-style "3.0" fields
    let floaty = text.replace('\n', "\r\n").replace("3,0,1,", "3.0,0.0,1,");
    let other = write(&dir, "c.csv", floaty.as_bytes());
    let (x, labels) = load_csv(&plain).unwrap();
    assert_eq!(x.shape(), &[2, 784]);
    assert_eq!(labels.to_vec(), vec![3, 9]);
    assert_eq!(x[[1, 255]], 255.0);
    assert_eq!(x[[1, 256]], 0.0);
    assert_eq!(load_csv(&gz).unwrap(), (x.clone(), labels.clone()));
    assert_eq!(load_csv(&other).unwrap(), (x, labels));
}

#[test]
fn missing_file() {
    let (err, msg) = message(load_csv("/nicht/da/mnist_train.csv"));
    assert!(matches!(err, Error::NotFound { .. }));
    assert_mentions(&msg, &["nicht gefunden", "/nicht/da/mnist_train.csv"]);
}

#[test]
fn empty_file_plain_and_gzip() {
    let dir = TempDir::new().unwrap();
    for path in [
        write(&dir, "leer.csv", b""),
        write(&dir, "leer.csv.gz", &gzip(b"")),
    ] {
        let (err, msg) = message(load_csv(&path));
        assert!(matches!(err, Error::Empty { .. }), "{err:?}");
        assert_mentions(&msg, &["leer", path.to_str().unwrap()]);
    }
}

#[test]
fn wrong_column_count_names_line_and_counts() {
    let dir = TempDir::new().unwrap();
    let short = csv_line("4", &vec!["0"; 783]);
    let path = write(&dir, "kurz.csv", (good_line(1) + &short).as_bytes());
    let (err, msg) = message(load_csv(&path));
    assert!(
        matches!(
            err,
            Error::ColumnCount {
                line: 2,
                expected: 785,
                found: 784,
                ..
            }
        ),
        "{err:?}"
    );
    assert_mentions(
        &msg,
        &[
            "kurz.csv",
            "Zeile 2",
            "erwartet 785 Spalten",
            "gefunden 784",
        ],
    );
}

#[test]
fn non_numeric_field_names_line_column_and_text() {
    let dir = TempDir::new().unwrap();
    let mut pixels = vec!["0"; 784];
    pixels[8] = "abc"; // column 10 (label is column 1)
    let path = write(
        &dir,
        "text.csv",
        (good_line(1) + &good_line(2) + &csv_line("5", &pixels)).as_bytes(),
    );
    let (err, msg) = message(load_csv(&path));
    assert!(
        matches!(
            err,
            Error::NotNumeric {
                line: 3,
                column: 10,
                ..
            }
        ),
        "{err:?}"
    );
    assert_mentions(
        &msg,
        &[
            "text.csv",
            "Zeile 3, Spalte 10",
            "erwartet eine Zahl",
            "„abc“",
        ],
    );
}

#[test]
fn header_line_gets_a_hint() {
    let dir = TempDir::new().unwrap();
    let header: Vec<String> = (0..784).map(|j| format!("pixel{j}")).collect();
    let text = format!("label,{}\n{}", header.join(","), good_line(1));
    let (_, msg) = message(load_csv(write(&dir, "kopf.csv", text.as_bytes())));
    assert_mentions(&msg, &["Zeile 1, Spalte 1", "„label“", "Kopfzeile"]);
}

#[test]
fn nan_is_not_a_pixel() {
    let dir = TempDir::new().unwrap();
    let mut pixels = vec!["0"; 784];
    pixels[0] = "nan";
    let (err, _) = message(load_csv(write(
        &dir,
        "nan.csv",
        csv_line("1", &pixels).as_bytes(),
    )));
    assert!(
        matches!(
            err,
            Error::NotNumeric {
                line: 1,
                column: 2,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn pixel_outside_0_255() {
    let dir = TempDir::new().unwrap();
    for (bad, col) in [("256", 785), ("-3", 2), ("12.5", 400)] {
        let mut pixels = vec!["0"; 784];
        pixels[col - 2] = bad;
        let path = write(
            &dir,
            "pixel.csv",
            (good_line(0) + &csv_line("7", &pixels)).as_bytes(),
        );
        let (err, msg) = message(load_csv(&path));
        assert!(
            matches!(err, Error::PixelRange { line: 2, column, .. } if column == col),
            "{err:?}"
        );
        assert_mentions(
            &msg,
            &["Zeile 2", &format!("Spalte {col}"), "0 bis 255", bad],
        );
    }
}

#[test]
fn label_outside_0_9() {
    let dir = TempDir::new().unwrap();
    for bad in ["10", "-1", "2.5"] {
        let path = write(&dir, "label.csv", csv_line(bad, &vec!["0"; 784]).as_bytes());
        let (err, msg) = message(load_csv(&path));
        assert!(matches!(err, Error::LabelRange { .. }), "{err:?}");
        assert_mentions(&msg, &["Zeile 1, Spalte 1", "0 bis 9", bad]);
    }
}

#[test]
fn truncated_gzip_is_reported_not_read_as_shorter_data() {
    let dir = TempDir::new().unwrap();
    let text: String = (0..50).map(|i| good_line(i % 10)).collect();
    let full = gzip(text.as_bytes());
    let path = write(&dir, "halb.csv.gz", &full[..full.len() / 2]);
    let (err, msg) = message(load_csv(&path));
    assert!(matches!(err, Error::Gzip { .. }), "{err:?}");
    assert_mentions(&msg, &["halb.csv.gz", "gzip", "unvollständig"]);
    // Only the 8-byte trailer (CRC, length) missing: still an error.
    let path = write(&dir, "ohne_ende.csv.gz", &full[..full.len() - 8]);
    assert!(matches!(load_csv(&path), Err(Error::Gzip { .. })));
}

#[test]
fn directory_instead_of_file() {
    let dir = TempDir::new().unwrap();
    let (err, msg) = message(load_csv(dir.path()));
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_mentions(&msg, &["Ordner"]);
}

fn idx_pair(dir: &TempDir, n: u32, gz: bool) -> (PathBuf, PathBuf) {
    let pixels: Vec<u8> = (0..n * 784).map(|i| (i % 251) as u8).collect();
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let (img, lab) = (idx_images(n, 28, 28, &pixels), idx_labels(&labels));
    if gz {
        (
            write(dir, "i-images-idx3-ubyte.gz", &gzip(&img)),
            write(dir, "i-labels-idx1-ubyte.gz", &gzip(&lab)),
        )
    } else {
        (
            write(dir, "i-images-idx3-ubyte", &img),
            write(dir, "i-labels-idx1-ubyte", &lab),
        )
    }
}

#[test]
fn good_idx_loads_plain_and_gzip() {
    let dir = TempDir::new().unwrap();
    let (img, lab) = idx_pair(&dir, 3, false);
    let (x, labels) = load_idx(&img, &lab).unwrap();
    assert_eq!(x.shape(), &[3, 784]);
    assert_eq!(labels.to_vec(), vec![0, 1, 2]);
    assert_eq!(x[[1, 0]], (784 % 251) as f64);
    let (img, lab) = idx_pair(&dir, 3, true);
    assert_eq!(load_idx(&img, &lab).unwrap(), (x, labels));
}

#[test]
fn idx_wrong_magic_and_swapped_files() {
    let dir = TempDir::new().unwrap();
    let (img, lab) = idx_pair(&dir, 2, false);
    let (err, msg) = message(load_idx(&lab, &img));
    assert!(
        matches!(
            err,
            Error::IdxMagic {
                expected: 0x803,
                found: 0x801,
                ..
            }
        ),
        "{err:?}"
    );
    assert_mentions(&msg, &["0x00000803", "0x00000801", "vertauscht"]);
    let csv = write(&dir, "x.csv", good_line(1).as_bytes());
    let (_, msg) = message(load_idx(&csv, &lab));
    assert_mentions(&msg, &["x.csv", "magic", "CSV"]);
}

#[test]
fn idx_truncated_plain_and_gzip() {
    let dir = TempDir::new().unwrap();
    let pixels = vec![7u8; 2 * 784];
    let full = idx_images(2, 28, 28, &pixels);
    let lab = write(&dir, "l-labels-idx1-ubyte", &idx_labels(&[1, 2]));
    let cut = write(&dir, "cut-images-idx3-ubyte", &full[..full.len() - 100]);
    let (err, msg) = message(load_idx(&cut, &lab));
    assert!(
        matches!(err, Error::IdxLength { expected: 1568, .. }),
        "{err:?}"
    );
    assert_mentions(
        &msg,
        &["cut-images-idx3-ubyte", "1568", "1468", "abgeschnitten"],
    );
    // A complete gzip stream of a cut file: the length check catches it.
    let cut_gz = write(
        &dir,
        "cut2-images-idx3-ubyte.gz",
        &gzip(&full[..full.len() - 100]),
    );
    assert!(matches!(
        load_idx(&cut_gz, &lab),
        Err(Error::IdxLength { .. })
    ));
    // A cut gzip stream: the decoder catches it.
    let gz = gzip(&full);
    let cut_stream = write(&dir, "cut3-images-idx3-ubyte.gz", &gz[..gz.len() / 2]);
    assert!(matches!(
        load_idx(&cut_stream, &lab),
        Err(Error::Gzip { .. })
    ));
    // Only a header fragment.
    let tiny = write(&dir, "tiny", &full[..6]);
    assert!(matches!(
        load_idx(&tiny, &lab),
        Err(Error::IdxLength { .. })
    ));
}

#[test]
fn idx_header_claiming_huge_sizes_does_not_allocate() {
    let dir = TempDir::new().unwrap();
    let lab = write(&dir, "l", &idx_labels(&[1]));
    // 2^32 - 1 images of 2^16 x 2^16 pixels: far beyond any real file.
    let huge = write(
        &dir,
        "huge",
        &idx_images(u32::MAX, 65536, 65536, &[1, 2, 3]),
    );
    let (err, msg) = message(load_idx(&huge, &lab));
    assert!(matches!(err, Error::IdxHeader { .. }), "{err:?}");
    assert_mentions(&msg, &["huge", "unplausible Größenangabe"]);
    // Plausible size, but the gzip stream holds almost nothing.
    let big_gz = write(
        &dir,
        "big.gz",
        &gzip(&idx_images(1_000_000, 28, 28, &[0; 10])),
    );
    assert!(matches!(
        load_idx(&big_gz, &lab),
        Err(Error::IdxLength { .. })
    ));
}

#[test]
fn idx_extra_bytes_labels_out_of_range_and_count_mismatch() {
    let dir = TempDir::new().unwrap();
    let img = write(&dir, "a", &idx_images(2, 28, 28, &[0; 2 * 784]));
    let mut long = idx_images(2, 28, 28, &[0; 2 * 784]);
    long.push(0);
    let long = write(&dir, "long", &long);
    let lab = write(&dir, "lab", &idx_labels(&[1, 2]));
    assert!(matches!(
        load_idx(&long, &lab),
        Err(Error::IdxLength { .. })
    ));

    let bad = write(&dir, "bad", &idx_labels(&[1, 12]));
    let (err, msg) = message(load_idx(&img, &bad));
    assert!(matches!(err, Error::LabelRange { .. }), "{err:?}");
    assert_mentions(&msg, &["Label Nr. 2", "Byte 9", "gefunden 12"]);

    let three = write(&dir, "three", &idx_labels(&[1, 2, 3]));
    let (err, msg) = message(load_idx(&img, &three));
    assert!(
        matches!(
            err,
            Error::CountMismatch {
                n_images: 2,
                n_labels: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_mentions(&msg, &["2 Bilder", "3 Labels"]);
}

fn put(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn data_source_prefers_full_mnist_and_reports_half_sets() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    assert!(matches!(
        DataSource::find(d).unwrap(),
        DataSource::Bundled { .. }
    ));

    put(
        d,
        "mnist_train.csv.gz",
        &gzip((good_line(1) + &good_line(2)).as_bytes()),
    );
    let (err, msg) = message(DataSource::find(d));
    assert!(matches!(err, Error::IncompleteData { .. }), "{err:?}");
    assert_mentions(&msg, &["mnist_train.csv.gz", "mnist_test.csv(.gz) fehlt"]);

    put(d, "mnist_test.csv", good_line(3).as_bytes());
    let source = DataSource::find(d).unwrap();
    assert!(matches!(source, DataSource::FullCsv { .. }), "{source:?}");
    let data = source.load().unwrap();
    assert_eq!(data.train_labels.to_vec(), vec![1, 2]);
    assert_eq!(data.test_labels.to_vec(), vec![3]);
    let line = data.to_string();
    assert_mentions(
        &line,
        &["vollständiges MNIST (CSV)", "2 Trainings- und 1 Testbilder"],
    );
}

#[test]
fn data_source_finds_idx_files() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    put(
        d,
        "train-images-idx3-ubyte.gz",
        &gzip(&idx_images(2, 28, 28, &[1; 2 * 784])),
    );
    put(d, "train-labels-idx1-ubyte.gz", &gzip(&idx_labels(&[4, 5])));
    put(
        d,
        "t10k-images-idx3-ubyte",
        &idx_images(1, 28, 28, &[2; 784]),
    );
    let (err, msg) = message(DataSource::find(d));
    assert!(matches!(err, Error::IncompleteData { .. }), "{err:?}");
    assert_mentions(&msg, &["t10k-labels-idx1-ubyte(.gz) fehlt"]);
    put(d, "t10k-labels-idx1-ubyte", &idx_labels(&[6]));
    let data = DataSource::find(d).unwrap().load().unwrap();
    assert!(matches!(data.source, DataSource::FullIdx { .. }));
    assert_eq!(data.train_labels.to_vec(), vec![4, 5]);
    assert_eq!(data.test_images[[0, 0]], 2.0);
}

#[test]
fn bundled_digits_are_complete() {
    // Built directly: a developer's full MNIST in data/ must not change this test.
    let data_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let source = DataSource::Bundled {
        train: data_dir.join(erstes_netz::BUNDLED_TRAIN),
        test: data_dir.join(erstes_netz::BUNDLED_TEST),
    };
    let data = source.load().unwrap();
    assert_eq!(data.train_images.shape(), &[8000, 784]);
    assert_eq!(data.test_images.shape(), &[2000, 784]);
    for labels in [&data.train_labels, &data.test_labels] {
        let mut counts = [0usize; 10];
        labels.iter().for_each(|&l| counts[l] += 1);
        assert!(counts.iter().all(|&c| c > 100), "{counts:?}");
    }
    let max = data.train_images.iter().fold(0.0f64, |m, &v| m.max(v));
    assert_eq!(max, 255.0);
}

#[test]
fn fashion_source_prefers_full_files_then_bundled_pictures() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    assert!(matches!(
        erstes_netz::fashion_source(d),
        DataSource::BundledFashion { .. }
    ));
    std::fs::create_dir(d.join("fashion-mnist")).unwrap();
    let f = d.join("fashion-mnist");
    put(
        &f,
        "train-images-idx3-ubyte.gz",
        &gzip(&idx_images(2, 28, 28, &[1; 2 * 784])),
    );
    put(
        &f,
        "train-labels-idx1-ubyte.gz",
        &gzip(&idx_labels(&[4, 5])),
    );
    put(
        &f,
        "t10k-images-idx3-ubyte.gz",
        &gzip(&idx_images(1, 28, 28, &[2; 784])),
    );
    // three of four files: still the bundled pictures
    assert!(matches!(
        erstes_netz::fashion_source(d),
        DataSource::BundledFashion { .. }
    ));
    put(&f, "t10k-labels-idx1-ubyte.gz", &gzip(&idx_labels(&[9])));
    let data = erstes_netz::fashion_source(d).load().unwrap();
    assert!(matches!(data.source, DataSource::FashionIdx { .. }));
    assert!(data.to_string().contains("Fashion-MNIST (IDX)"));
}

#[test]
fn bundled_fashion_pictures_are_complete() {
    let data_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let source = DataSource::BundledFashion {
        train: data_dir.join(erstes_netz::BUNDLED_FASHION_TRAIN),
        test: data_dir.join(erstes_netz::BUNDLED_FASHION_TEST),
    };
    let data = source.load().unwrap();
    assert_eq!(data.train_images.shape(), &[8000, 784]);
    assert_eq!(data.test_images.shape(), &[2000, 784]);
    let mut counts = [0usize; 10];
    data.test_labels.iter().for_each(|&l| counts[l] += 1);
    assert!(counts.iter().all(|&c| c > 150), "{counts:?}");
    assert!(
        data.to_string()
            .contains("mitgelieferte Fashion-MNIST-Bilder")
    );
}
