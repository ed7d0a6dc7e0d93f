//! The crate's one error type.
//!
//! Messages are German because students read them in the notebook. Every
//! variant that concerns a file names the file and, where it applies, the line
//! and column (1-based) or byte offset, and what was expected vs. found.

use std::path::PathBuf;

/// Result type of all fallible functions in this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong while reading data, downloading or saving weights.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file does not exist.
    #[error("Datei nicht gefunden: {path}")]
    NotFound { path: PathBuf },

    /// No permission to read or write, or a read-only file system.
    #[error(
        "Keine Berechtigung für {path}: {reason}. Nichts wurde verändert. Tipp: einen anderen \
         Ordner wählen (für Daten: Umgebungsvariable ERSTES_NETZ_DATA)"
    )]
    PermissionDenied { path: PathBuf, reason: &'static str },

    /// The disk (or quota) is full; a partly written file was removed.
    #[error(
        "Kein Platz mehr auf dem Datenträger beim Schreiben von {path}; die halbe Datei wurde \
         entfernt, vorhandene Dateien sind unverändert. Platz schaffen oder einen anderen Ordner \
         wählen (für Daten: Umgebungsvariable ERSTES_NETZ_DATA)"
    )]
    DiskFull { path: PathBuf },

    /// Any other I/O failure.
    #[error("Fehler beim Zugriff auf {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The file (after decompression) holds no data.
    #[error("Die Datei {path} ist leer: erwartet {expected}, gefunden 0 Bytes")]
    Empty {
        path: PathBuf,
        expected: &'static str,
    },

    /// The gzip stream is cut off or damaged.
    #[error(
        "Die gzip-Datei {path} ist beschädigt oder unvollständig (abgeschnittener Download?), \
         entpackt gelesen bis {position}: {source}"
    )]
    Gzip {
        path: PathBuf,
        position: String,
        #[source]
        source: std::io::Error,
    },

    /// A CSV row has the wrong number of fields.
    #[error(
        "{path}, Zeile {line}: erwartet {expected} Spalten (1 Label + {pixels} Pixel), gefunden {found}",
        pixels = expected - 1
    )]
    ColumnCount {
        path: PathBuf,
        line: u64,
        expected: usize,
        found: usize,
    },

    /// A CSV field is not a number.
    #[error("{path}, Zeile {line}, Spalte {column}: erwartet eine Zahl, gefunden „{found}“{hint}")]
    NotNumeric {
        path: PathBuf,
        line: u64,
        column: usize,
        found: String,
        hint: &'static str,
    },

    /// A pixel value outside 0..=255.
    #[error(
        "{path}, Zeile {line}, Spalte {column}: erwartet einen Pixelwert von 0 bis 255, gefunden {found}"
    )]
    PixelRange {
        path: PathBuf,
        line: u64,
        column: usize,
        found: String,
    },

    /// A label outside 0..=9 (or not a whole number).
    #[error("{path}, {position}: erwartet ein Label (ganze Zahl von 0 bis 9), gefunden {found}")]
    LabelRange {
        path: PathBuf,
        position: String,
        found: String,
    },

    /// The CSV reader itself failed (e.g. a broken quote).
    #[error("{path}, Zeile {line}: CSV-Fehler: {message}")]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },

    /// An IDX file starts with the wrong magic number.
    #[error(
        "{path}: falsche Kennung (magic number) am Dateianfang: erwartet {expected:#010x} ({what}), \
         gefunden {found:#010x}{hint}"
    )]
    IdxMagic {
        path: PathBuf,
        expected: u32,
        found: u32,
        what: &'static str,
        hint: &'static str,
    },

    /// An IDX file is shorter or longer than its header says.
    #[error("{path}: laut Kopf {expected} Bytes Daten (ab Byte {offset}), gefunden {found}{hint}")]
    IdxLength {
        path: PathBuf,
        offset: usize,
        expected: u64,
        found: String,
        hint: &'static str,
    },

    /// An IDX header with impossible dimensions.
    #[error("{path}: unplausible Größenangabe im Kopf: {message}")]
    IdxHeader { path: PathBuf, message: String },

    /// Image and label files that do not belong together.
    #[error(
        "Bilder und Labels passen nicht zusammen: {images} enthält {n_images} Bilder, \
         {labels} aber {n_labels} Labels"
    )]
    CountMismatch {
        images: PathBuf,
        labels: PathBuf,
        n_images: usize,
        n_labels: usize,
    },

    /// Training and test data with different image sizes.
    #[error(
        "Trainings- und Testbilder haben verschiedene Größen: {train} Pixel gegenüber {test} Pixel"
    )]
    PixelCountMismatch { train: usize, test: usize },

    /// Only one of the two full-MNIST files is present.
    #[error(
        "Unvollständiges MNIST in {dir}: {found} ist vorhanden, aber {missing} fehlt. \
         Legen Sie beide Dateien ab oder entfernen Sie die eine, um die mitgelieferten Ziffern zu nutzen."
    )]
    IncompleteData {
        dir: PathBuf,
        found: PathBuf,
        missing: String,
    },

    /// A weights file (`.npz`) that cannot be read or written.
    #[error("Weights-Datei {path}: {message}")]
    Weights { path: PathBuf, message: String },

    /// A file whose content is not the known data set (damaged or a different file).
    #[error(
        "Die Datei {path} hat nicht den erwarteten Inhalt (beschädigt oder eine andere Datei): \
         erwartet {expected}, gefunden {found}"
    )]
    Checksum {
        path: PathBuf,
        expected: String,
        found: String,
    },

    /// A download that failed; nothing was written to the cache.
    #[error("Download von {url} fehlgeschlagen: {message} (im Cache wurde nichts abgelegt)")]
    Download { url: String, message: String },
}

impl Error {
    /// Wraps an I/O error, turning "not found" into [`Error::NotFound`].
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        use std::io::ErrorKind;
        match source.kind() {
            ErrorKind::NotFound => Error::NotFound { path },
            ErrorKind::PermissionDenied => Error::PermissionDenied {
                path,
                reason: "Lese- oder Schreibrechte fehlen",
            },
            ErrorKind::ReadOnlyFilesystem => Error::PermissionDenied {
                path,
                reason: "das Dateisystem ist schreibgeschützt",
            },
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded => Error::DiskFull { path },
            _ => Error::Io { path, source },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;

    fn message(kind: ErrorKind) -> String {
        Error::io("/daten/x.npz", std::io::Error::from(kind)).to_string()
    }

    #[test]
    fn io_errors_become_german_sentences() {
        assert_eq!(
            message(ErrorKind::NotFound),
            "Datei nicht gefunden: /daten/x.npz"
        );
        assert!(message(ErrorKind::ReadOnlyFilesystem).contains("schreibgeschützt"));
        assert!(
            message(ErrorKind::PermissionDenied).starts_with("Keine Berechtigung für /daten/x.npz")
        );
        assert!(message(ErrorKind::StorageFull).starts_with("Kein Platz mehr auf dem Datenträger"));
        assert!(message(ErrorKind::QuotaExceeded).contains("Kein Platz"));
        assert!(
            message(ErrorKind::Interrupted).starts_with("Fehler beim Zugriff auf /daten/x.npz")
        );
    }
}
