//! Saving and loading the network's weights as numpy-readable `.npz` files.
//!
//! The archive holds four arrays, `W0`, `W1`, `b0`, `b1`, so that in Python
//! `f = np.load("gewichte.npz"); W = [f["W0"], f["W1"]]; b = [f["b0"], f["b1"]]`.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, Write};
use std::path::Path;

use ndarray::{Array, Array1, Array2, Dimension};
use ndarray_npy::npy::header::Header;
use ndarray_npy::{NpzWriter, ReadNpyExt};
use zip::ZipArchive;

use crate::shape::fmt_shape;
use crate::{Biases, Error, Result, Weights};

/// Saves weights and biases to `path` as `.npz` (arrays `W0`, `W1`, `b0`, `b1`).
///
/// The file is written to a temporary file in the same folder and renamed
/// into place only when complete: an interrupted save never leaves a broken
/// weights file, and an existing file stays intact until the new one is done.
///
/// # Errors
/// [`Error::Weights`] or [`Error::Io`] if the folder is missing or not writable.
///
/// # Example
/// ```
/// use erstes_netz::{init_weights, load_weights, save_weights, NumpyRng};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("gewichte.npz");
/// let (w, b) = init_weights(4, 3, 2, &mut NumpyRng::seed(1));
/// save_weights(&path, &w, &b)?;
/// let (w2, b2) = load_weights(&path)?;
/// assert_eq!((w, b), (w2, b2));
/// # Ok::<(), erstes_netz::Error>(())
/// ```
pub fn save_weights(path: impl AsRef<Path>, w: &Weights, b: &Biases) -> Result<()> {
    let path = path.as_ref();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".gewichte-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    // The archive is built in memory (a few MB) and written in one go, so a
    // full disk surfaces as one plain I/O error on the temporary file.
    let fail = |e: ndarray_npy::WriteNpzError| Error::Weights {
        path: path.into(),
        message: format!("Schreiben fehlgeschlagen: {e}"),
    };
    let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
    npz.add_array("W0", &w[0]).map_err(fail)?;
    npz.add_array("W1", &w[1]).map_err(fail)?;
    npz.add_array("b0", &b[0]).map_err(fail)?;
    npz.add_array("b1", &b[1]).map_err(fail)?;
    let bytes = npz.finish().map_err(fail)?.into_inner();
    let mut file = tmp.as_file();
    file.write_all(&bytes).map_err(|e| Error::io(path, e))?;
    file.sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// The largest array a weights file may hold (256 MiB, e.g. 40 000 hidden
/// units for 784 inputs); a bigger claim is a damaged or foreign file.
const MAX_ARRAY_BYTES: u64 = 1 << 28;
/// numpy's own limit for `.npy` header dictionaries (`max_header_size`).
const MAX_HEADER_LEN: usize = 10_000;

/// Loads weights and biases saved by [`save_weights`] or by numpy
/// (`np.savez(path, W0=W[0], W1=W[1], b0=b[0], b1=b[1])`, also compressed).
///
/// Every array is read with a size limit and its header is checked before
/// any memory is reserved for the data, so a damaged or hostile file gives
/// an error, never a huge allocation.
///
/// # Errors
/// [`Error::NotFound`], or [`Error::Weights`] if the file is no `.npz`
/// archive, an array is missing, damaged, not f64 or too large, or the four
/// shapes do not make one network.
pub fn load_weights(path: impl AsRef<Path>) -> Result<(Weights, Biases)> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let fail = |message: String| Error::Weights {
        path: path.into(),
        message,
    };
    let mut archive = ZipArchive::new(BufReader::new(file))
        .map_err(|e| fail(format!("keine gültige .npz-Datei (kein ZIP-Archiv): {e}")))?;
    let w0: Array2<f64> = npy_array(&mut archive, "W0").map_err(fail)?;
    let w1: Array2<f64> = npy_array(&mut archive, "W1").map_err(fail)?;
    let b0: Array1<f64> = npy_array(&mut archive, "b0").map_err(fail)?;
    let b1: Array1<f64> = npy_array(&mut archive, "b1").map_err(fail)?;
    let fits = b0.len() == w0.nrows() && w1.ncols() == w0.nrows() && b1.len() == w1.nrows();
    if !fits {
        return Err(fail(format!(
            "die Formen passen nicht zu einem Netz: W0 {}, W1 {}, b0 {}, b1 {} \
             (erwartet W0 (hidden, input), W1 (output, hidden), b0 (hidden,), b1 (output,))",
            fmt_shape(w0.shape()),
            fmt_shape(w1.shape()),
            fmt_shape(b0.shape()),
            fmt_shape(b1.shape())
        )));
    }
    Ok(([w0, w1], [b0, b1]))
}

/// The f64 array `name.npy` from the archive, or a German message naming it.
fn npy_array<R: Read + Seek, D: Dimension>(
    archive: &mut ZipArchive<R>,
    name: &str,
) -> std::result::Result<Array<f64, D>, String> {
    let what = format!("Array „{name}“ ({}-D, f64)", D::NDIM.unwrap_or(0));
    let bytes = entry_bytes(archive, name).map_err(|m| format!("{what}: {m}"))?;
    read_f64_npy(&bytes).map_err(|m| format!("{what} nicht lesbar: {m}"))
}

/// The bytes of `name.npy` in the archive, read with the size limit.
fn entry_bytes<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    name: &str,
) -> std::result::Result<Vec<u8>, String> {
    let mut entry = match archive.by_name(&format!("{name}.npy")) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => {
            return Err("fehlt im Archiv".into());
        }
        Err(e) => return Err(format!("nicht lesbar: {e}")),
    };
    if entry.size() > MAX_ARRAY_BYTES {
        return Err(too_big(entry.size()));
    }
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    (&mut entry)
        .take(MAX_ARRAY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("beschädigt: {e}"))?;
    if bytes.len() as u64 > MAX_ARRAY_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

fn too_big(bytes: u64) -> String {
    format!(
        "zu groß ({bytes} Bytes, höchstens {MAX_ARRAY_BYTES}); keine Weights-Datei dieses Kurses"
    )
}

/// Parses an `.npy` file of f64 with `D` dimensions from `bytes`.
///
/// The header is checked first (length, nesting, shape against the bytes
/// present), so the data buffer is never larger than the input.
fn read_f64_npy<D: Dimension>(bytes: &[u8]) -> std::result::Result<Array<f64, D>, String> {
    let header_len = npy_header_len(bytes)?;
    let mut rest = bytes;
    let header = Header::from_reader(&mut rest).map_err(|e| format!("Kopf beschädigt: {e}"))?;
    // The descriptor prints as a Python literal, e.g. '<f8' with its quotes.
    let descr = header.type_descriptor.to_string();
    if !matches!(descr.as_str(), "'<f8'" | "'>f8'") {
        return Err(format!(
            "Datentyp {descr} statt f64 ('<f8'); in numpy mit .astype(np.float64) speichern"
        ));
    }
    if Some(header.shape.len()) != D::NDIM {
        return Err(format!(
            "{} Dimension(en) {} statt {}",
            header.shape.len(),
            fmt_shape(&header.shape),
            D::NDIM.unwrap_or(0)
        ));
    }
    let expected = header
        .shape
        .iter()
        .try_fold(8usize, |acc, &d| acc.checked_mul(d));
    let present = bytes.len() - header_len;
    if expected != Some(present) {
        return Err(format!(
            "Form {} braucht {} Bytes Daten, die Datei hat {present}",
            fmt_shape(&header.shape),
            expected.map_or_else(|| "unendlich viele".into(), |n| n.to_string())
        ));
    }
    Array::<f64, D>::read_npy(bytes).map_err(|e| e.to_string())
}

/// Length of magic, version, length field and header dictionary, checked
/// against numpy's limits before the dictionary is parsed.
fn npy_header_len(bytes: &[u8]) -> std::result::Result<usize, String> {
    const MAGIC: &[u8] = b"\x93NUMPY";
    if !bytes.starts_with(MAGIC) || bytes.len() < 10 {
        return Err("keine .npy-Daten (Kennung \\x93NUMPY fehlt)".into());
    }
    let (field, dict_len) = match bytes[6] {
        1 => (2, usize::from(u16::from_le_bytes([bytes[8], bytes[9]]))),
        2 | 3 if bytes.len() >= 12 => (
            4,
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
        ),
        v => return Err(format!("unbekannte .npy-Version {v}")),
    };
    let header_len = 8 + field + dict_len;
    if dict_len > MAX_HEADER_LEN || header_len > bytes.len() {
        return Err(format!(
            "Kopf mit {dict_len} Bytes ist zu lang oder abgeschnitten (Datei: {} Bytes)",
            bytes.len()
        ));
    }
    // The dictionary parser recurses per bracket: refuse deep nesting.
    let mut depth = 0usize;
    for &b in &bytes[8 + field..header_len] {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > 8 {
            return Err("Kopf zu tief verschachtelt".into());
        }
    }
    Ok(header_len)
}
