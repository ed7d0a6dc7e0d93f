//! The IDX format of the original MNIST distribution (`*-idx3-ubyte`, `*-idx1-ubyte`).
//!
//! A file starts with the magic number 0x0000_08NN (0x08: unsigned bytes,
//! NN: number of dimensions), then NN big-endian u32 sizes, then the bytes.

use std::io::Read;
use std::path::Path;

use ndarray::{Array1, Array2};

use super::open::{open, read_error, read_up_to};
use super::pixels_to_f64;
use crate::{Error, Result};

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;
/// More than any real image file (MNIST: 47 MB); guards against absurd headers.
const MAX_BYTES: u64 = 1 << 33;

/// Reads images and labels from a pair of IDX files (plain or `.gz`).
///
/// `images` must be an `idx3-ubyte` file (n × rows × cols bytes), `labels` an
/// `idx1-ubyte` file (n bytes, 0–9). Returns `(images, labels)` with images as
/// an n × (rows·cols) matrix of f64 in 0.0..=255.0, the same as [`crate::load_csv`].
///
/// # Errors
/// A German [`Error`] for a missing or empty file, a wrong magic number
/// (e.g. images and labels swapped), a file shorter or longer than its header
/// says, a damaged gzip stream, a label outside 0..=9, or different counts of
/// images and labels.
pub fn load_idx(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
) -> Result<(Array2<f64>, Array1<usize>)> {
    let (images_path, labels_path) = (images.as_ref(), labels.as_ref());
    let (image_dims, pixels) = read_idx(images_path, IMAGES_MAGIC)?;
    let (label_dims, label_bytes) = read_idx(labels_path, LABELS_MAGIC)?;
    let (n, size) = (image_dims[0], image_dims[1] * image_dims[2]);
    if label_dims[0] != n {
        return Err(Error::CountMismatch {
            images: images_path.into(),
            labels: labels_path.into(),
            n_images: n,
            n_labels: label_dims[0],
        });
    }
    let header = 8;
    let labels = label_bytes
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            if l <= 9 {
                Ok(usize::from(l))
            } else {
                Err(Error::LabelRange {
                    path: labels_path.into(),
                    position: format!("Label Nr. {} (Byte {})", i + 1, header + i),
                    found: l.to_string(),
                })
            }
        })
        .collect::<Result<Vec<usize>>>()?;
    Ok((pixels_to_f64(pixels, n, size), Array1::from(labels)))
}

/// Checks that `path` is a complete IDX file of images (`labels == false`)
/// or labels, e.g. a fresh download before it is stored.
#[cfg_attr(not(feature = "download"), allow(dead_code))]
pub(crate) fn validate_idx(path: &Path, labels: bool) -> Result<()> {
    read_idx(path, if labels { LABELS_MAGIC } else { IMAGES_MAGIC }).map(|_| ())
}

/// Reads one IDX file with the given magic number: its sizes and its bytes.
fn read_idx(path: &Path, magic: u32) -> Result<(Vec<usize>, Vec<u8>)> {
    let mut file = open(path)?;
    let ndim = (magic & 0xff) as usize;
    let header_len = 4 + 4 * ndim;
    let header = read_up_to(&mut file.reader, header_len as u64, header_len)
        .map_err(|e| read_error(path, file.gzip, "Byte 0".into(), e))?;
    if header.is_empty() {
        return Err(Error::Empty {
            path: path.into(),
            expected: "eine IDX-Datei",
        });
    }
    if header.len() < 4 {
        return Err(too_short(path, header.len(), header_len as u64, 0));
    }
    let found = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    if found != magic {
        return Err(wrong_magic(path, magic, found, &header));
    }
    if header.len() < header_len {
        return Err(too_short(path, header.len(), header_len as u64, 0));
    }
    let dims: Vec<usize> = header[4..]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .filter(|&bytes| bytes <= MAX_BYTES)
        .ok_or_else(|| Error::IdxHeader {
            path: path.into(),
            message: format!(
                "Größen {dims:?} ergäben mehr als {MAX_BYTES} Bytes; keine echte Bilddatei"
            ),
        })?;
    if ndim == 3 && expected > 0 && (dims[1] == 0 || dims[2] == 0) {
        return Err(Error::IdxHeader {
            path: path.into(),
            message: format!("Bildgröße {} × {} Pixel", dims[1], dims[2]),
        });
    }
    // A plain file's size tells at once whether the data is complete.
    let reserve = if file.gzip {
        0
    } else {
        let on_disk = file.disk_len.saturating_sub(header_len as u64);
        if on_disk != expected {
            return Err(length_error(path, header_len, expected, on_disk));
        }
        expected as usize
    };
    let data = read_up_to(&mut file.reader, expected, reserve)
        .map_err(|e| read_error(path, file.gzip, format!("Byte {header_len}"), e))?;
    if (data.len() as u64) < expected {
        return Err(length_error(path, header_len, expected, data.len() as u64));
    }
    let mut extra = [0u8; 1];
    let more = file.reader.read(&mut extra).map_err(|e| {
        read_error(
            path,
            file.gzip,
            format!("Byte {}", header_len as u64 + expected),
            e,
        )
    })?;
    if more > 0 {
        return Err(Error::IdxLength {
            path: path.into(),
            offset: header_len,
            expected,
            found: "mehr".into(),
            hint: " (Daten über das angegebene Ende hinaus; falsche Datei oder beschädigter Kopf?)",
        });
    }
    Ok((dims, data))
}

fn too_short(path: &Path, found: usize, expected: u64, offset: usize) -> Error {
    Error::IdxLength {
        path: path.into(),
        offset,
        expected,
        found: found.to_string(),
        hint: " (schon der Dateikopf ist unvollständig)",
    }
}

fn length_error(path: &Path, offset: usize, expected: u64, found: u64) -> Error {
    Error::IdxLength {
        path: path.into(),
        offset,
        expected,
        found: found.to_string(),
        hint: if found < expected {
            " (abgeschnittene Datei, z. B. ein unvollständiger Download?)"
        } else {
            " (Daten über das angegebene Ende hinaus; falsche Datei oder beschädigter Kopf?)"
        },
    }
}

fn wrong_magic(path: &Path, expected: u32, found: u32, header: &[u8]) -> Error {
    let hint = match found {
        IMAGES_MAGIC => " (das ist eine Bilddatei; Bilder und Labels vertauscht?)",
        LABELS_MAGIC => " (das ist eine Label-Datei; Bilder und Labels vertauscht?)",
        _ if header[..4].iter().all(|b| b.is_ascii_digit() || *b == b',') => {
            " (sieht aus wie CSV; dafür load_csv verwenden)"
        }
        _ => " (keine IDX-Datei?)",
    };
    Error::IdxMagic {
        path: path.into(),
        expected,
        found,
        what: if expected == IMAGES_MAGIC {
            "Bilder, idx3-ubyte"
        } else {
            "Labels, idx1-ubyte"
        },
        hint,
    }
}
