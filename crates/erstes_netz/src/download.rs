//! Downloading the full MNIST CSVs of the original lesson into the data folder.
//!
//! Every download goes to a temporary file next to its destination, is checked,
//! and is renamed into place only when complete and valid: a broken or
//! interrupted download never leaves a file that a later run reads as data.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::data::idx::validate_idx;
use crate::data::open::{open, read_error};
use crate::data::{DataSource, FULL_CSV, IDX_FILES, load_csv};
use crate::{Error, Result};

/// SHA-256 of the four Fashion-MNIST files after decompression, in the order
/// of [`IDX_FILES`] (the same bytes as Zalando's release and Debian's
/// `dataset-fashion-mnist`; the `.gz` wrappers differ, the data does not).
pub const FASHION_SHA256: [&str; 4] = [
    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
];

/// How often each digit 0–9 occurs in MNIST's training and test sets: the
/// fingerprint checked on the lesson's CSVs, whose hashes are not published.
pub const MNIST_LABEL_COUNTS: [[usize; 10]; 2] = [
    [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
];

/// SHA-256 (hex) of a data file's content, decompressed if it is gzip.
///
/// # Errors
/// [`Error::NotFound`], [`Error::Io`] or [`Error::Gzip`] if it cannot be read.
pub fn sha256_of_data(path: &Path) -> Result<String> {
    let mut file = open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .reader
            .read(&mut buf)
            .map_err(|e| read_error(path, file.gzip, "beim Prüfen".into(), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Checks that `path` holds the data with SHA-256 `expected` (after decompression).
///
/// # Errors
/// [`Error::Checksum`] naming both hashes, or a read error.
pub fn verify_sha256(path: &Path, expected: &str) -> Result<()> {
    let found = sha256_of_data(path)?;
    if found == expected {
        Ok(())
    } else {
        Err(Error::Checksum {
            path: path.into(),
            expected: expected.into(),
            found,
        })
    }
}

/// Checks the label counts of a downloaded lesson CSV against MNIST's.
fn check_mnist_counts(path: &Path, which: usize) -> Result<()> {
    let (_, labels) = load_csv(path)?;
    let mut counts = [0usize; 10];
    for &l in &labels {
        counts[l] += 1;
    }
    if counts == MNIST_LABEL_COUNTS[which] {
        Ok(())
    } else {
        Err(Error::Checksum {
            path: path.into(),
            expected: format!("Ziffern-Häufigkeiten {:?}", MNIST_LABEL_COUNTS[which]),
            found: format!("{counts:?}"),
        })
    }
}

/// The original lesson's download addresses (training, test).
pub const LESSON_URLS: [&str; 2] = [
    "https://uni-muenster.sciebo.de/s/HvLen05c6fIzmyX/download",
    "https://uni-muenster.sciebo.de/s/xdpCHFmmCAfeuxh/download",
];

/// Downloads `url` to `dest` atomically; `check` must accept the complete
/// temporary file before it is renamed to `dest`.
///
/// # Errors
/// [`Error::Download`] for network failures, HTTP errors and short bodies
/// (nothing is left behind), also when `check` rejects the file (its error is
/// quoted); [`Error::Io`] if the folder is not writable.
pub fn download_file(
    url: &str,
    dest: &Path,
    check: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let fail = |message: String| Error::Download {
        url: url.into(),
        message,
    };
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".download-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_body(Some(Duration::from_secs(120)))
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(|e| fail(e.to_string()))?;
    let expected_len = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut body = response.body_mut().as_reader();
    let mut buf = vec![0u8; 1 << 16];
    let mut received: u64 = 0;
    loop {
        let n = body
            .read(&mut buf)
            .map_err(|e| fail(format!("abgebrochen nach {received} Bytes: {e}")))?;
        if n == 0 {
            break;
        }
        // Named after the destination: the temporary file is removed on error.
        tmp.write_all(&buf[..n]).map_err(|e| Error::io(dest, e))?;
        received += n as u64;
    }
    if let Some(expected) = expected_len
        && received != expected
    {
        return Err(fail(format!(
            "erwartet {expected} Bytes, erhalten {received}"
        )));
    }
    if received == 0 {
        return Err(fail("leere Antwort (0 Bytes)".into()));
    }
    tmp.as_file().sync_all().map_err(|e| Error::io(dest, e))?;
    check(tmp.path()).map_err(|e| fail(format!("der Inhalt ist unbrauchbar: {e}")))?;
    tmp.persist(dest).map_err(|e| Error::io(dest, e.error))?;
    Ok(())
}

/// Downloads the lesson's training and test CSVs into `dir` (as
/// `mnist_train.csv` and `mnist_test.csv`) unless they are already there.
///
/// `urls` defaults to [`LESSON_URLS`]. Each file is parsed with
/// [`load_csv`] before it is stored, so the cache only ever holds valid data;
/// from the lesson's own addresses the digits' counts must also be exactly
/// MNIST's ([`MNIST_LABEL_COUNTS`]).
///
/// # Errors
/// See [`download_file`]; a downloaded file that is not valid lesson CSV is
/// discarded, and the error quotes what [`load_csv`] found.
pub fn download_mnist(dir: &Path, urls: Option<[&str; 2]>) -> Result<DataSource> {
    let known = urls.is_none();
    for (which, (url, name)) in urls
        .unwrap_or(LESSON_URLS)
        .into_iter()
        .zip(FULL_CSV)
        .enumerate()
    {
        let dest = dir.join(name);
        if dest.is_file() {
            eprintln!(
                "{} ist schon vorhanden, kein Download nötig.",
                dest.display()
            );
            continue;
        }
        eprintln!("Lade {url} → {} …", dest.display());
        download_file(url, &dest, |tmp| {
            if known {
                check_mnist_counts(tmp, which)
            } else {
                load_csv(tmp).map(|_| ())
            }
        })?;
    }
    DataSource::find(dir)
}

/// Where Fashion-MNIST is published (Zalando Research).
pub const FASHION_URL: &str = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com";

/// Downloads the four Fashion-MNIST files (`*.gz`) into `dir` unless they are
/// already there; each file is checked as IDX data and against
/// [`FASHION_SHA256`] before it is stored (also from a mirror).
///
/// `base_url` defaults to [`FASHION_URL`].
///
/// # Errors
/// See [`download_file`].
pub fn download_fashion_mnist(dir: &Path, base_url: Option<&str>) -> Result<()> {
    let base = base_url.unwrap_or(FASHION_URL).trim_end_matches('/');
    for (name, sha256) in IDX_FILES.into_iter().zip(FASHION_SHA256) {
        let dest = dir.join(format!("{name}.gz"));
        if dest.is_file() {
            eprintln!(
                "{} ist schon vorhanden, kein Download nötig.",
                dest.display()
            );
            continue;
        }
        let url = format!("{base}/{name}.gz");
        eprintln!("Lade {url} → {} …", dest.display());
        download_file(&url, &dest, |tmp| {
            validate_idx(tmp, name.contains("labels"))?;
            verify_sha256(tmp, sha256)
        })?;
    }
    Ok(())
}
