//! Downloading the full MNIST CSVs of the original lesson into the data folder.
//!
//! Every download goes to a temporary file next to its destination, is checked,
//! and is renamed into place only when complete and valid: a broken or
//! interrupted download never leaves a file that a later run reads as data.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use crate::data::idx::validate_idx;
use crate::data::{DataSource, FULL_CSV, IDX_FILES, load_csv};
use crate::{Error, Result};

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
        tmp.write_all(&buf[..n])
            .map_err(|e| Error::io(tmp.path(), e))?;
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
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(tmp.path(), e))?;
    check(tmp.path()).map_err(|e| fail(format!("der Inhalt ist unbrauchbar: {e}")))?;
    tmp.persist(dest).map_err(|e| Error::io(dest, e.error))?;
    Ok(())
}

/// Downloads the lesson's training and test CSVs into `dir` (as
/// `mnist_train.csv` and `mnist_test.csv`) unless they are already there.
///
/// `urls` defaults to [`LESSON_URLS`]. Each file is parsed with
/// [`load_csv`] before it is stored, so the cache only ever holds valid data.
///
/// # Errors
/// See [`download_file`]; a downloaded file that is not valid lesson CSV is
/// discarded, and the error quotes what [`load_csv`] found.
pub fn download_mnist(dir: &Path, urls: Option<[&str; 2]>) -> Result<DataSource> {
    for (url, name) in urls.unwrap_or(LESSON_URLS).into_iter().zip(FULL_CSV) {
        let dest = dir.join(name);
        if dest.is_file() {
            eprintln!(
                "{} ist schon vorhanden, kein Download nötig.",
                dest.display()
            );
            continue;
        }
        eprintln!("Lade {url} → {} …", dest.display());
        download_file(url, &dest, |tmp| load_csv(tmp).map(|_| ()))?;
    }
    DataSource::find(dir)
}

/// Where Fashion-MNIST is published (Zalando Research).
pub const FASHION_URL: &str = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com";

/// Downloads the four Fashion-MNIST files (`*.gz`) into `dir` unless they are
/// already there; each file is checked as IDX data before it is stored.
///
/// `base_url` defaults to [`FASHION_URL`].
///
/// # Errors
/// See [`download_file`].
pub fn download_fashion_mnist(dir: &Path, base_url: Option<&str>) -> Result<()> {
    let base = base_url.unwrap_or(FASHION_URL).trim_end_matches('/');
    for name in IDX_FILES {
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
            validate_idx(tmp, name.contains("labels"))
        })?;
    }
    Ok(())
}
