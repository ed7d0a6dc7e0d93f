//! The lesson's CSV format: one image per line, the label first, then 784 pixels, no header.

use std::path::Path;

use ndarray::{Array1, Array2};

use super::open::{open, read_error};
use super::{PIXELS, pixels_to_f64};
use crate::{Error, Result};

const COLUMNS: usize = 1 + PIXELS;

/// Reads images and labels from a CSV file in the lesson's format (plain or `.gz`).
///
/// Each line: label (0–9), then 784 pixel values (whole numbers 0–255), comma
/// separated, no header line. Returns `(images, labels)` with images as an
/// n × 784 matrix of f64 in 0.0..=255.0, like `np.genfromtxt` in the lesson.
///
/// # Errors
/// A German [`Error`] naming the file, the line and column, and what was
/// expected vs. found: missing or empty file, wrong column count, a field
/// that is not a number, a pixel outside 0..=255, a label outside 0..=9, a
/// damaged or truncated gzip file.
///
/// # Example
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("zwei.csv");
/// # let line = |label: u8| format!("{label}{}\n", ",0".repeat(784));
/// # std::fs::write(&path, line(3) + &line(7)).unwrap();
/// let (images, labels) = erstes_netz::load_csv(&path)?;
/// assert_eq!(images.shape(), &[2, 784]);
/// assert_eq!(labels.to_vec(), vec![3, 7]);
/// # Ok::<(), erstes_netz::Error>(())
/// ```
pub fn load_csv(path: impl AsRef<Path>) -> Result<(Array2<f64>, Array1<usize>)> {
    let path = path.as_ref();
    let file = open(path)?;
    let gzip = file.gzip;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(file.reader);

    let mut record = csv::ByteRecord::new();
    // Pixels are bytes: collecting them as u8 keeps the peak memory at 1/8 of f64.
    let mut pixels: Vec<u8> = Vec::new();
    let mut labels: Vec<usize> = Vec::new();
    let mut last_line = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, gzip, last_line, e)),
        }
        let line = record.position().map_or(last_line + 1, |p| p.line());
        last_line = line;
        if record.len() != COLUMNS {
            return Err(Error::ColumnCount {
                path: path.into(),
                line,
                expected: COLUMNS,
                found: record.len(),
            });
        }
        labels.push(parse_label(path, line, &record[0])?);
        for (i, field) in record.iter().enumerate().skip(1) {
            pixels.push(parse_pixel(path, line, i + 1, field)?);
        }
    }
    if labels.is_empty() {
        return Err(Error::Empty {
            path: path.into(),
            expected: "Zeilen mit Label und 784 Pixelwerten",
        });
    }
    let n = labels.len();
    Ok((pixels_to_f64(pixels, n, PIXELS), Array1::from(labels)))
}

fn csv_error(path: &Path, gzip: bool, last_line: u64, e: csv::Error) -> Error {
    let line = e.position().map_or(last_line + 1, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => read_error(path, gzip, format!("Zeile {line}"), io),
        other => Error::Csv {
            path: path.into(),
            line,
            message: format!("{other:?}"),
        },
    }
}

fn trim(field: &[u8]) -> &[u8] {
    field.trim_ascii()
}

/// A whole number written plainly ("17") or with a zero fraction ("17.0").
fn parse_whole(field: &[u8]) -> Option<std::result::Result<f64, ()>> {
    let field = trim(field);
    if !field.is_empty() && field.len() <= 3 && field.iter().all(u8::is_ascii_digit) {
        let v = field
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
        return Some(Ok(f64::from(v)));
    }
    let text = std::str::from_utf8(field).ok()?;
    let v: f64 = text.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    Some(if v.fract() == 0.0 { Ok(v) } else { Err(()) })
}

fn shown(field: &[u8]) -> String {
    let text = String::from_utf8_lossy(field);
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.into_owned()
    }
}

fn parse_pixel(path: &Path, line: u64, column: usize, field: &[u8]) -> Result<u8> {
    match parse_whole(field) {
        Some(Ok(v)) if (0.0..=255.0).contains(&v) => Ok(v as u8),
        Some(_) => Err(Error::PixelRange {
            path: path.into(),
            line,
            column,
            found: shown(field),
        }),
        None => Err(Error::NotNumeric {
            path: path.into(),
            line,
            column,
            found: shown(field),
            hint: "",
        }),
    }
}

fn parse_label(path: &Path, line: u64, field: &[u8]) -> Result<usize> {
    match parse_whole(field) {
        Some(Ok(v)) if (0.0..=9.0).contains(&v) => Ok(v as usize),
        Some(_) => Err(Error::LabelRange {
            path: path.into(),
            position: format!("Zeile {line}, Spalte 1"),
            found: shown(field),
        }),
        None => Err(Error::NotNumeric {
            path: path.into(),
            line,
            column: 1,
            found: shown(field),
            hint: if line == 1 {
                " (eine Kopfzeile? Die Datei darf keine Kopfzeile haben)"
            } else {
                ""
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_in_both_spellings() {
        assert_eq!(parse_whole(b"0"), Some(Ok(0.0)));
        assert_eq!(parse_whole(b" 255 "), Some(Ok(255.0)));
        assert_eq!(parse_whole(b"17.0"), Some(Ok(17.0)));
        assert_eq!(parse_whole(b"1e2"), Some(Ok(100.0)));
        assert_eq!(parse_whole(b"0.5"), Some(Err(())));
        assert_eq!(parse_whole(b"nan"), None);
        assert_eq!(parse_whole(b"inf"), None);
        assert_eq!(parse_whole(b""), None);
        assert_eq!(parse_whole(b"x1"), None);
    }

    #[test]
    fn pixel_range_is_checked() {
        let p = Path::new("t.csv");
        assert_eq!(parse_pixel(p, 1, 2, b"255").unwrap(), 255);
        assert!(matches!(
            parse_pixel(p, 1, 2, b"256"),
            Err(Error::PixelRange { .. })
        ));
        assert!(matches!(
            parse_pixel(p, 1, 2, b"-1"),
            Err(Error::PixelRange { .. })
        ));
        assert!(matches!(
            parse_pixel(p, 1, 2, b"0.5"),
            Err(Error::PixelRange { .. })
        ));
    }
}
