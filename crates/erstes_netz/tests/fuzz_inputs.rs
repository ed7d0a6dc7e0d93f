//! The fuzzers' inputs as regression tests (see `fuzz/`).
//!
//! `fuzz/seeds/<target>/` holds valid files that must load;
//! `fuzz/regressions/<target>/` holds inputs the fuzzers found to crash,
//! hang or allocate without bound: each must now give a German error.

use std::path::{Path, PathBuf};

use erstes_netz::{Result, load_csv, load_idx, load_weights};

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Feeds one fuzz input to its loader as the fuzz target does; `Ok(rows)` or the error text.
fn run(target: &str, input: &[u8]) -> Result<usize> {
    let dir = tempfile::tempdir().unwrap();
    match target {
        "csv" => {
            let path = dir.path().join("eingabe.csv");
            std::fs::write(&path, input).unwrap();
            load_csv(&path).map(|(x, _)| x.nrows())
        }
        "idx" => {
            // The layout of fuzz/src/lib.rs `split_idx`: u16 LE length of the images part first.
            let (images, labels) = if input.len() < 2 {
                (input, &[][..])
            } else {
                let at = usize::from(u16::from_le_bytes([input[0], input[1]]));
                input[2..].split_at(at.min(input.len() - 2))
            };
            let (i, l) = (
                dir.path().join("b-idx3-ubyte"),
                dir.path().join("l-idx1-ubyte"),
            );
            std::fs::write(&i, images).unwrap();
            std::fs::write(&l, labels).unwrap();
            load_idx(&i, &l).map(|(x, _)| x.nrows())
        }
        "npz" => {
            let path = dir.path().join("gewichte.npz");
            std::fs::write(&path, input).unwrap();
            load_weights(&path).map(|(w, _)| w[0].nrows())
        }
        other => panic!("unknown fuzz target {other}"),
    }
}

#[test]
fn seeds_load() {
    let mut seen = 0;
    for target in ["csv", "idx", "npz"] {
        for path in inputs("seeds", target) {
            let rows = run(target, &std::fs::read(&path).unwrap());
            assert!(rows.is_ok(), "{}: {:?}", path.display(), rows.err());
            assert!(rows.unwrap() >= 1, "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 7, "only {seen} seed files found");
}

#[test]
fn found_inputs_give_german_errors() {
    let mut seen = 0;
    for target in ["csv", "idx", "npz"] {
        for path in inputs("regressions", target) {
            let err = run(target, &std::fs::read(&path).unwrap())
                .expect_err(&format!("{} should be rejected", path.display()));
            let text = err.to_string();
            assert!(
                text.contains("Weights-Datei") || text.contains("Datei") || text.contains("Zeile"),
                "{}: {text}",
                path.display()
            );
            seen += 1;
        }
    }
    assert!(seen >= 1, "no regression inputs found");
}
