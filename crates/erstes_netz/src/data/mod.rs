//! Getting the data: the lesson's CSV files, the IDX files of the original
//! MNIST distribution, and the MNIST digits bundled with the project.

pub(crate) mod idx;
mod lesson_csv;
pub(crate) mod open;

use std::fmt;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};

pub use idx::load_idx;
pub use lesson_csv::load_csv;

use crate::{Error, Result};

/// Pixels per image: 28 × 28.
pub const PIXELS: usize = 28 * 28;

/// Environment variable that overrides the data folder.
pub const DATA_DIR_VAR: &str = "ERSTES_NETZ_DATA";

/// File names of the bundled subset inside `data/bundled/`.
pub const BUNDLED_TRAIN: &str = "bundled/mnist_train_8000.csv.gz";
/// See [`BUNDLED_TRAIN`].
pub const BUNDLED_TEST: &str = "bundled/mnist_test_2000.csv.gz";

/// The lesson's CSV names: what the download writes and what users place.
pub const FULL_CSV: [&str; 2] = ["mnist_train.csv", "mnist_test.csv"];

fn pixels_to_f64(pixels: Vec<u8>, n: usize, size: usize) -> Array2<f64> {
    let values: Vec<f64> = pixels.into_iter().map(f64::from).collect();
    Array2::from_shape_vec((n, size), values).expect("n · size pixels were read")
}

/// The project's data folder: `$ERSTES_NETZ_DATA` if set, else `data/` at the
/// top of the project.
pub fn data_dir() -> PathBuf {
    match std::env::var_os(DATA_DIR_VAR) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            let top = manifest.join("../../data");
            top.canonicalize().unwrap_or(top)
        }
    }
}

/// Which files hold the data, and in which format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// The full data set in the lesson's CSV format (downloaded or placed by the user).
    FullCsv { train: PathBuf, test: PathBuf },
    /// The full data set as IDX files (original MNIST distribution).
    FullIdx {
        train_images: PathBuf,
        train_labels: PathBuf,
        test_images: PathBuf,
        test_labels: PathBuf,
    },
    /// The 10,000 MNIST digits shipped with the project (8,000 train, 2,000 test).
    Bundled { train: PathBuf, test: PathBuf },
    /// 10,000 Fashion-MNIST pictures shipped with the project (8,000 train, 2,000 test).
    BundledFashion { train: PathBuf, test: PathBuf },
    /// Fashion-MNIST (Zalando): 28 × 28 pictures of clothes in 10 classes, as IDX files.
    FashionIdx {
        train_images: PathBuf,
        train_labels: PathBuf,
        test_images: PathBuf,
        test_labels: PathBuf,
    },
}

impl DataSource {
    /// Looks in `dir` for full MNIST (lesson CSV first, then IDX); falls back
    /// to the bundled digits.
    ///
    /// # Errors
    /// [`Error::IncompleteData`] if only one half (training or test) of a full
    /// data set is there: silently mixing data sets would be worse.
    pub fn find(dir: &Path) -> Result<DataSource> {
        let pick = |names: &[&str]| -> Option<PathBuf> {
            names
                .iter()
                .flat_map(|n| [dir.join(n), dir.join(format!("{n}.gz"))])
                .find(|p| p.is_file())
        };
        let pair =
            |train_names: &[&str], test_names: &[&str]| -> Result<Option<(PathBuf, PathBuf)>> {
                match (pick(train_names), pick(test_names)) {
                    (Some(train), Some(test)) => Ok(Some((train, test))),
                    (None, None) => Ok(None),
                    (Some(found), None) => Err(incomplete(dir, found, test_names[0])),
                    (None, Some(found)) => Err(incomplete(dir, found, train_names[0])),
                }
            };
        if let Some((train, test)) = pair(&[FULL_CSV[0]], &[FULL_CSV[1]])? {
            return Ok(DataSource::FullCsv { train, test });
        }
        let images = pair(
            &["train-images-idx3-ubyte", "train-images.idx3-ubyte"],
            &["t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"],
        )?;
        let labels = pair(
            &["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"],
            &["t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"],
        )?;
        match (images, labels) {
            (Some((train_images, test_images)), Some((train_labels, test_labels))) => {
                return Ok(DataSource::FullIdx {
                    train_images,
                    train_labels,
                    test_images,
                    test_labels,
                });
            }
            (Some((found, _)), None) => {
                return Err(incomplete(dir, found, "train-labels-idx1-ubyte"));
            }
            (None, Some((found, _))) => {
                return Err(incomplete(dir, found, "train-images-idx3-ubyte"));
            }
            (None, None) => {}
        }
        Ok(DataSource::Bundled {
            train: dir.join(BUNDLED_TRAIN),
            test: dir.join(BUNDLED_TEST),
        })
    }

    /// Reads the training and test data.
    ///
    /// # Errors
    /// Any error of [`load_csv`] or [`load_idx`], and
    /// [`Error::PixelCountMismatch`] if training and test images differ in size.
    pub fn load(&self) -> Result<Mnist> {
        let ((train_images, train_labels), (test_images, test_labels)) = match self {
            DataSource::FullCsv { train, test }
            | DataSource::Bundled { train, test }
            | DataSource::BundledFashion { train, test } => (load_csv(train)?, load_csv(test)?),
            DataSource::FullIdx {
                train_images,
                train_labels,
                test_images,
                test_labels,
            }
            | DataSource::FashionIdx {
                train_images,
                train_labels,
                test_images,
                test_labels,
            } => (
                load_idx(train_images, train_labels)?,
                load_idx(test_images, test_labels)?,
            ),
        };
        if train_images.ncols() != test_images.ncols() {
            return Err(Error::PixelCountMismatch {
                train: train_images.ncols(),
                test: test_images.ncols(),
            });
        }
        Ok(Mnist {
            train_images,
            train_labels,
            test_images,
            test_labels,
            source: self.clone(),
        })
    }

    /// A short German name of the source.
    pub fn name(&self) -> &'static str {
        match self {
            DataSource::FullCsv { .. } => "vollständiges MNIST (CSV)",
            DataSource::FullIdx { .. } => "vollständiges MNIST (IDX)",
            DataSource::Bundled { .. } => "mitgelieferte MNIST-Ziffern",
            DataSource::FashionIdx { .. } => "Fashion-MNIST (IDX)",
            DataSource::BundledFashion { .. } => "mitgelieferte Fashion-MNIST-Bilder",
        }
    }

    /// The training file (images) this source reads.
    pub fn train_path(&self) -> &Path {
        match self {
            DataSource::FullCsv { train, .. }
            | DataSource::Bundled { train, .. }
            | DataSource::BundledFashion { train, .. } => train,
            DataSource::FullIdx { train_images, .. }
            | DataSource::FashionIdx { train_images, .. } => train_images,
        }
    }
}

fn incomplete(dir: &Path, found: PathBuf, missing: &str) -> Error {
    Error::IncompleteData {
        dir: dir.into(),
        found,
        missing: format!("{missing}(.gz)"),
    }
}

/// Training and test data, as the lesson uses them.
///
/// Images are n × 784 matrices of f64 with pixel values 0.0..=255.0 (scale
/// them with [`crate::min_max`]); labels are the digits 0–9.
#[derive(Debug, Clone)]
pub struct Mnist {
    pub train_images: Array2<f64>,
    pub train_labels: Array1<usize>,
    pub test_images: Array2<f64>,
    pub test_labels: Array1<usize>,
    /// Where the data came from.
    pub source: DataSource,
}

impl fmt::Display for Mnist {
    /// One German line: which data, how many images, from where.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Daten: {} – {} Trainings- und {} Testbilder aus {}",
            self.source.name(),
            german_count(self.train_labels.len()),
            german_count(self.test_labels.len()),
            self.source
                .train_path()
                .parent()
                .unwrap_or(Path::new("."))
                .display()
        )?;
        match self.source {
            DataSource::Bundled { .. } => write!(
                f,
                " (die ersten 10.000 Bilder des MNIST-Trainingssatzes; \
                 für das vollständige MNIST siehe README)"
            )?,
            DataSource::BundledFashion { .. } => write!(
                f,
                " (ein Teil von Fashion-MNIST; für alle 70.000 Bilder siehe README)"
            )?,
            _ => {}
        }
        Ok(())
    }
}

/// 60000 → "60.000", as numbers are written in German.
pub fn german_count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Loads the training and test data for the lesson and says which it used.
///
/// Full MNIST if it is in the data folder ([`data_dir`]: `mnist_train.csv` and
/// `mnist_test.csv`, plain or `.gz`, or the four IDX files), else the bundled
/// 8,000 + 2,000 MNIST digits. Prints one German line naming the source and
/// the number of images.
///
/// # Errors
/// See [`DataSource::find`] and [`DataSource::load`].
pub fn load_data() -> Result<Mnist> {
    let data = DataSource::find(&data_dir())?.load()?;
    println!("{data}");
    Ok(data)
}

/// The ten classes of Fashion-MNIST, in German, by label.
pub const FASHION_CLASSES: [&str; 10] = [
    "T-Shirt/Top",
    "Hose",
    "Pullover",
    "Kleid",
    "Mantel",
    "Sandale",
    "Hemd",
    "Sneaker",
    "Tasche",
    "Stiefelette",
];

/// File names of Fashion-MNIST (and of MNIST's original distribution), without `.gz`.
pub const IDX_FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// File names of the bundled Fashion-MNIST pictures inside the data folder.
pub const BUNDLED_FASHION_TRAIN: &str = "bundled/fashion_train_8000.csv.gz";
/// See [`BUNDLED_FASHION_TRAIN`].
pub const BUNDLED_FASHION_TEST: &str = "bundled/fashion_test_2000.csv.gz";

/// Loads Fashion-MNIST and says which data it used.
///
/// The full set (60,000 training and 10,000 test pictures) if its four IDX
/// files are in `fashion-mnist/` of the data folder ([`data_dir`]; e.g. copied
/// from the Debian package `dataset-fashion-mnist` or fetched with
/// `erstes-netz download --fashion`), else the 8,000 + 2,000 pictures
/// shipped with the project.
///
/// # Errors
/// Any error of [`load_idx`] or [`load_csv`].
pub fn load_fashion_mnist() -> Result<Mnist> {
    let data = fashion_source(&data_dir()).load()?;
    println!("{data}");
    Ok(data)
}

/// Where Fashion-MNIST comes from for the data folder `dir`.
pub fn fashion_source(dir: &Path) -> DataSource {
    let full = dir.join("fashion-mnist");
    let found: Vec<Option<PathBuf>> = IDX_FILES
        .iter()
        .map(|n| {
            [full.join(n), full.join(format!("{n}.gz"))]
                .into_iter()
                .find(|p| p.is_file())
        })
        .collect();
    match &found[..] {
        [Some(a), Some(b), Some(c), Some(d)] => DataSource::FashionIdx {
            train_images: a.clone(),
            train_labels: b.clone(),
            test_images: c.clone(),
            test_labels: d.clone(),
        },
        _ => DataSource::BundledFashion {
            train: dir.join(BUNDLED_FASHION_TRAIN),
            test: dir.join(BUNDLED_FASHION_TEST),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_thousands() {
        assert_eq!(german_count(0), "0");
        assert_eq!(german_count(999), "999");
        assert_eq!(german_count(8000), "8.000");
        assert_eq!(german_count(60000), "60.000");
        assert_eq!(german_count(1234567), "1.234.567");
    }
}
