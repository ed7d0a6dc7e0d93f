//! Saving and loading the network's weights as numpy-readable `.npz` files.
//!
//! The archive holds four arrays, `W0`, `W1`, `b0`, `b1`, so that in Python
//! `f = np.load("gewichte.npz"); W = [f["W0"], f["W1"]]; b = [f["b0"], f["b1"]]`.
//!
//! The `.npy` format is read and written here rather than with `ndarray-npy`:
//! that crate's header parser (`py_literal`, `pest`) brought 13 more crates,
//! among them `psm`, whose build script runs the C compiler in every new
//! kernel. A notebook's first cell takes 4.5 instead of 5.2 s without them
//! (6 pairs of fresh kernels, scripts/kernel/README.md).

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, Write};
use std::path::Path;

use ndarray::{Array, Array1, Array2, ArrayRef, Dimension, IxDyn, ShapeBuilder};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

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
    let bytes = npz_bytes(w, b).map_err(|e| Error::Weights {
        path: path.into(),
        message: format!("Schreiben fehlgeschlagen: {e}"),
    })?;
    let mut file = tmp.as_file();
    file.write_all(&bytes).map_err(|e| Error::io(path, e))?;
    file.sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// The four arrays as an uncompressed `.npz` archive, as `np.savez` writes it.
fn npz_bytes(w: &Weights, b: &Biases) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let arrays: [(&str, &ArrayRef<f64, IxDyn>); 4] = [
        ("W0", &w[0].view().into_dyn()),
        ("W1", &w[1].view().into_dyn()),
        ("b0", &b[0].view().into_dyn()),
        ("b1", &b[1].view().into_dyn()),
    ];
    for (name, array) in arrays {
        zip.start_file(format!("{name}.npy"), options)?;
        zip.write_all(&npy_bytes(array))?;
    }
    Ok(zip.finish()?.into_inner())
}

/// One f64 array as an `.npy` file (version 1.0, little endian, C order).
///
/// The header dictionary is padded with spaces and a newline so that the data
/// starts at a multiple of 64 bytes, as numpy writes it.
fn npy_bytes(array: &ArrayRef<f64, IxDyn>) -> Vec<u8> {
    let shape = match array.shape() {
        [n] => format!("({n},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut bytes = Vec::with_capacity(10 + dict.len() + 8 * array.len());
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    // A dictionary of four shape entries stays far below u16::MAX.
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    for v in array.iter() {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes
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
    let dict = npy_header_dict(bytes)?;
    let header = Header::parse(&bytes[dict.clone()])?;
    let little = match header.descr.as_str() {
        "<f8" => true,
        ">f8" => false,
        other => {
            return Err(format!(
                "Datentyp '{other}' statt f64 ('<f8'); in numpy mit .astype(np.float64) speichern"
            ));
        }
    };
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
    let data = &bytes[dict.end..];
    if expected != Some(data.len()) {
        return Err(format!(
            "Form {} braucht {} Bytes Daten, die Datei hat {}",
            fmt_shape(&header.shape),
            expected.map_or_else(|| "unendlich viele".into(), |n| n.to_string()),
            data.len()
        ));
    }
    let values: Vec<f64> = data
        .chunks_exact(8)
        .map(|c| {
            let c: [u8; 8] = c.try_into().expect("chunks of 8");
            if little {
                f64::from_le_bytes(c)
            } else {
                f64::from_be_bytes(c)
            }
        })
        .collect();
    let shape = IxDyn(&header.shape).set_f(header.fortran_order);
    Array::from_shape_vec(shape, values)
        .and_then(|a| a.into_dimensionality::<D>())
        .map_err(|e| format!("Form {}: {e}", fmt_shape(&header.shape)))
}

/// The three entries of an `.npy` header dictionary, e.g.
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (300, 784), }`.
#[derive(Debug, PartialEq)]
struct Header {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

impl Header {
    /// Parses the dictionary as numpy writes it (a Python literal); any other
    /// key, a missing one or a value of the wrong kind is an error.
    fn parse(dict: &[u8]) -> std::result::Result<Header, String> {
        let text = std::str::from_utf8(dict).map_err(|_| "Kopf ist kein Text".to_string())?;
        let mut p = Literal(text.trim_end());
        let (mut descr, mut fortran_order, mut shape) = (None, None, None);
        p.expect('{')?;
        while !p.eat('}') {
            let key = p.string()?;
            p.expect(':')?;
            match key.as_str() {
                "descr" => descr = Some(p.string()?),
                "fortran_order" => fortran_order = Some(p.boolean()?),
                "shape" => shape = Some(p.tuple()?),
                other => return Err(format!("Kopf: unbekannter Eintrag '{other}'")),
            }
            if !p.eat(',') {
                p.expect('}')?;
                break;
            }
        }
        if !p.0.trim().is_empty() {
            return Err(format!(
                "Kopf: unerwarteter Text nach dem Ende: „{}“",
                p.0.trim()
            ));
        }
        match (descr, fortran_order, shape) {
            (Some(descr), Some(fortran_order), Some(shape)) => Ok(Header {
                descr,
                fortran_order,
                shape,
            }),
            _ => Err("Kopf: 'descr', 'fortran_order' oder 'shape' fehlt".into()),
        }
    }
}

/// The rest of a Python literal still to be read.
struct Literal<'a>(&'a str);

impl Literal<'_> {
    /// Skips spaces, then `prefix` if it comes next; says whether it did.
    fn eat_str(&mut self, prefix: &str) -> bool {
        self.0 = self.0.trim_start();
        match self.0.strip_prefix(prefix) {
            Some(rest) => {
                self.0 = rest;
                true
            }
            None => false,
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.eat_str(c.encode_utf8(&mut [0; 4]))
    }

    /// The next few characters, for error messages.
    fn near(&self) -> String {
        self.0.chars().take(12).collect()
    }

    fn expect(&mut self, c: char) -> std::result::Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("Kopf: „{c}“ erwartet, gefunden „{}“", self.near()))
        }
    }

    /// A string in single or double quotes, without escapes (numpy writes none).
    fn string(&mut self) -> std::result::Result<String, String> {
        self.0 = self.0.trim_start();
        let quote = self.0.chars().next().filter(|&q| q == '\'' || q == '"');
        let quote = quote.ok_or_else(|| {
            format!(
                "Kopf: Text in Anführungszeichen erwartet bei „{}“",
                self.near()
            )
        })?;
        let end = self.0[1..]
            .find(quote)
            .ok_or_else(|| "Kopf: Anführungszeichen nicht geschlossen".to_string())?;
        let found = self.0[1..=end].to_string();
        self.0 = &self.0[end + 2..];
        Ok(found)
    }

    fn boolean(&mut self) -> std::result::Result<bool, String> {
        if self.eat_str("True") {
            Ok(true)
        } else if self.eat_str("False") {
            Ok(false)
        } else {
            Err("Kopf: True oder False erwartet".into())
        }
    }

    /// A tuple of non-negative integers: `()`, `(3,)`, `(300, 784)`.
    fn tuple(&mut self) -> std::result::Result<Vec<usize>, String> {
        self.expect('(')?;
        let mut found = Vec::new();
        while !self.eat(')') {
            self.0 = self.0.trim_start();
            let digits = self.0.len()
                - self
                    .0
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .len();
            let n = self.0[..digits]
                .parse()
                .map_err(|_| format!("Kopf: Zahl erwartet in der Form bei „{}“", self.near()))?;
            self.0 = &self.0[digits..];
            found.push(n);
            if !self.eat(',') {
                self.expect(')')?;
                break;
            }
        }
        Ok(found)
    }
}

/// Where the header dictionary lies in an `.npy` file (the data follows it),
/// checked against numpy's limits before the dictionary is parsed.
fn npy_header_dict(bytes: &[u8]) -> std::result::Result<std::ops::Range<usize>, String> {
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
    let dict = 8 + field..8 + field + dict_len;
    if dict_len > MAX_HEADER_LEN || dict.end > bytes.len() {
        return Err(format!(
            "Kopf mit {dict_len} Bytes ist zu lang oder abgeschnitten (Datei: {} Bytes)",
            bytes.len()
        ));
    }
    // A header deeper than numpy ever writes is refused before it is parsed.
    let mut depth = 0usize;
    for &b in &bytes[dict.clone()] {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > 8 {
            return Err("Kopf zu tief verschachtelt".into());
        }
    }
    Ok(dict)
}
