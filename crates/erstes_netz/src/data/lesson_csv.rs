//! The lesson's CSV format: one image per line, the label first, then 784 pixels, no header.

use std::io::Read;
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
    // The usual file – digits and commas, one image per line – is parsed on
    // all cores; anything else (and every error) takes the careful path below,
    // which names line and column.
    let file = open(path)?;
    if let Some((pixels, labels)) = read_plain(file.reader) {
        let n = labels.len();
        return Ok((pixels_to_f64(pixels, n, PIXELS), Array1::from(labels)));
    }
    load_csv_carefully(path)
}

/// Bytes read and parsed at a time: small next to the images, so reading
/// does not raise the peak memory, large enough to keep all cores busy.
const BLOCK: usize = 8 << 20;

/// The whole file through [`parse_plain`], block by block (cut after the
/// last line end of each block); `None` as soon as anything is unusual or
/// cannot be read.
fn read_plain(reader: impl Read) -> Option<(Vec<u8>, Vec<usize>)> {
    read_plain_in_blocks(reader, BLOCK)
}

fn read_plain_in_blocks(mut reader: impl Read, block: usize) -> Option<(Vec<u8>, Vec<usize>)> {
    let (mut pixels, mut labels) = (Vec::new(), Vec::new());
    let mut buf: Vec<u8> = Vec::with_capacity(block);
    loop {
        let want = (block - buf.len()) as u64;
        let read = (&mut reader).take(want).read_to_end(&mut buf).ok()?;
        let end_of_file = (read as u64) < want;
        let cut = if end_of_file {
            buf.len()
        } else {
            // A line longer than a whole block is not a plain line.
            buf.iter().rposition(|&b| b == b'\n')? + 1
        };
        let (p, l) = parse_plain(&buf[..cut])?;
        pixels.extend_from_slice(&p);
        labels.extend_from_slice(&l);
        buf.drain(..cut);
        if end_of_file {
            break;
        }
    }
    (!labels.is_empty()).then_some((pixels, labels))
}

/// Parses a file of plain lines `label,p1,…,p784` (label one digit, pixels
/// 0–255 in at most three digits, `\n` line ends, no spaces or quotes) on
/// all cores. `None` for anything else.
fn parse_plain(text: &[u8]) -> Option<(Vec<u8>, Vec<usize>)> {
    use rayon::prelude::*;
    // Chunks of whole lines, a few per core.
    let parts = 4 * rayon::current_num_threads();
    let mut chunks = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let cut = (rest.len() / parts.saturating_sub(chunks.len()).max(1)).max(1);
        let end = match rest[cut.min(rest.len()) - 1..]
            .iter()
            .position(|&b| b == b'\n')
        {
            Some(i) => cut - 1 + i + 1,
            None => rest.len(),
        };
        chunks.push(&rest[..end]);
        rest = &rest[end..];
    }
    let parsed: Option<Vec<(Vec<u8>, Vec<usize>)>> =
        chunks.par_iter().map(|c| parse_plain_lines(c)).collect();
    let parsed = parsed?;
    let n: usize = parsed.iter().map(|(_, l)| l.len()).sum();
    let mut pixels = Vec::with_capacity(n * PIXELS);
    let mut labels = Vec::with_capacity(n);
    for (p, l) in parsed {
        pixels.extend_from_slice(&p);
        labels.extend_from_slice(&l);
    }
    Some((pixels, labels))
}

/// [`parse_plain`] for one chunk of whole lines (the last may lack its `\n`).
fn parse_plain_lines(chunk: &[u8]) -> Option<(Vec<u8>, Vec<usize>)> {
    let mut pixels = Vec::with_capacity(chunk.len() / 2);
    let mut labels = Vec::new();
    let mut at = 0;
    while at < chunk.len() {
        let label = chunk[at];
        if !label.is_ascii_digit() || chunk.get(at + 1) != Some(&b',') {
            return None;
        }
        labels.push(usize::from(label - b'0'));
        at += 2;
        for i in 0..PIXELS {
            let mut v = 0u32;
            let start = at;
            while let Some(&d) = chunk.get(at).filter(|d| d.is_ascii_digit()) {
                if at - start == 3 {
                    return None; // four digits or more: not a plain pixel
                }
                v = v * 10 + u32::from(d - b'0');
                at += 1;
            }
            if at == start || v > 255 {
                return None;
            }
            pixels.push(v as u8);
            let end = if i + 1 == PIXELS { b'\n' } else { b',' };
            match chunk.get(at) {
                Some(&b) if b == end => at += 1,
                None if i + 1 == PIXELS => {}
                _ => return None,
            }
        }
    }
    Some((pixels, labels))
}

/// The careful reader: field by field with the csv crate, every error with line and column.
fn load_csv_carefully(path: &Path) -> Result<(Array2<f64>, Array1<usize>)> {
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

    fn line(label: &str, pixels: &[&str]) -> String {
        format!("{label},{}\n", pixels.join(","))
    }

    #[test]
    fn plain_lines_are_parsed_on_all_cores_like_the_careful_reader() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        for i in 0..997 {
            let px: Vec<String> = (0..PIXELS)
                .map(|j| ((i * 31 + j * 7) % 256).to_string())
                .collect();
            let px: Vec<&str> = px.iter().map(String::as_str).collect();
            text += &line(&(i % 10).to_string(), &px);
        }
        for (name, content) in [
            ("a.csv", text.clone()),
            ("b.csv", text.trim_end().to_string()),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, &content).unwrap();
            assert!(
                parse_plain(content.as_bytes()).is_some(),
                "{name}: fast path"
            );
            let fast = load_csv(&path).unwrap();
            let careful = load_csv_carefully(&path).unwrap();
            assert_eq!(fast, careful);
            assert_eq!(fast.0.nrows(), 997);
            // in blocks of a few lines, cut anywhere within a line
            let (pixels, labels) = read_plain(content.as_bytes()).unwrap();
            for block in [10_000, 12_345, 2 * content.len()] {
                assert_eq!(
                    read_plain_in_blocks(content.as_bytes(), block),
                    Some((pixels.clone(), labels.clone())),
                    "{name}, block {block}"
                );
            }
            // a block shorter than a line: the careful path takes over
            assert_eq!(read_plain_in_blocks(content.as_bytes(), 1000), None);
        }
    }

    #[test]
    fn anything_unusual_leaves_the_fast_path() {
        let zeros = vec!["0"; PIXELS];
        let good = line("3", &zeros);
        assert!(read_plain(good.as_bytes()).is_some());
        let mut short = zeros.clone();
        short.pop();
        let mut big = zeros.clone();
        big[5] = "256";
        let mut long = zeros.clone();
        long[5] = "0000";
        let mut many_digits = zeros.clone();
        many_digits[5] = "22222222222222222222222222222222222222222222";
        let mut spaced = zeros.clone();
        spaced[5] = " 1";
        let mut decimal = zeros.clone();
        decimal[5] = "1.0";
        for bad in [
            String::new(),
            line("10", &zeros),
            line("x", &zeros),
            line("3", &short),
            line("3", &big),
            line("3", &long),
            line("3", &many_digits),
            line("3", &spaced),
            line("3", &decimal),
            good.replace('\n', "\r\n"),
            good.clone() + "\n",
            format!("\"3\"{}", &good[1..]),
        ] {
            assert!(read_plain(bad.as_bytes()).is_none(), "{bad:.20}");
        }
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
