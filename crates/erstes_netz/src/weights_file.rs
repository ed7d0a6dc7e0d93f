//! Saving and loading the network's weights as numpy-readable `.npz` files.
//!
//! The archive holds four arrays, `W0`, `W1`, `b0`, `b1`, so that in Python
//! `f = np.load("gewichte.npz"); W = [f["W0"], f["W1"]]; b = [f["b0"], f["b1"]]`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use ndarray::{Array1, Array2};
use ndarray_npy::{NpzReader, NpzWriter};

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
    let fail = |e: ndarray_npy::WriteNpzError| Error::Weights {
        path: path.into(),
        message: format!("Schreiben fehlgeschlagen: {e}"),
    };
    let mut npz = NpzWriter::new(BufWriter::new(tmp.reopen().map_err(|e| Error::io(dir, e))?));
    npz.add_array("W0", &w[0]).map_err(fail)?;
    npz.add_array("W1", &w[1]).map_err(fail)?;
    npz.add_array("b0", &b[0]).map_err(fail)?;
    npz.add_array("b1", &b[1]).map_err(fail)?;
    let mut out = npz.finish().map_err(fail)?;
    out.flush().map_err(|e| Error::io(path, e))?;
    out.get_ref().sync_all().map_err(|e| Error::io(path, e))?;
    drop(out);
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Loads weights and biases saved by [`save_weights`] or by numpy
/// (`np.savez(path, W0=W[0], W1=W[1], b0=b[0], b1=b[1])`).
///
/// # Errors
/// [`Error::NotFound`], or [`Error::Weights`] if an array is missing, is not
/// f64, or the four shapes do not make one network.
pub fn load_weights(path: impl AsRef<Path>) -> Result<(Weights, Biases)> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let fail = |message: String| Error::Weights {
        path: path.into(),
        message,
    };
    let mut npz = NpzReader::new(BufReader::new(file))
        .map_err(|e| fail(format!("keine gültige .npz-Datei: {e}")))?;
    let mut matrix = |name: &str| -> Result<Array2<f64>> {
        npz.by_name(name)
            .map_err(|e| fail(format!("Array „{name}“ (2-D, f64) nicht lesbar: {e}")))
    };
    let w0 = matrix("W0")?;
    let w1 = matrix("W1")?;
    let mut vector = |name: &str| -> Result<Array1<f64>> {
        npz.by_name(name)
            .map_err(|e| fail(format!("Array „{name}“ (1-D, f64) nicht lesbar: {e}")))
    };
    let b0 = vector("b0")?;
    let b1 = vector("b1")?;
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
