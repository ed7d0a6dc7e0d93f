//! `erstes-netz`: trains the lesson's network from the terminal.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use erstes_netz::ndarray::{Array1, Array2};
use erstes_netz::{
    DataSource, ImagePattern, NumpyRng, data_dir, download_fashion_mnist, download_mnist, evaluate,
    german_count, init_weights, load_csv, load_idx, load_weights, min_max_inplace,
    one_hot_with_classes, save_weights, train_epoch,
};

const USAGE: &str = "\
erstes-netz – das neuronale Netz der Lektion „Erstes Neuronales Netzwerk“

Aufruf:
  erstes-netz train [OPTIONEN]     Netz trainieren (Standard: 50 Epochen, lr 0,1, 300 versteckte Neuronen)
  erstes-netz download [--dir ORDNER] [--fashion] [--mirror URL]
                                   vollständiges MNIST der Original-Lektion herunterladen
                                   (mit --fashion: Fashion-MNIST nach ORDNER/fashion-mnist;
                                   --mirror: ein Spiegel, der mnist_train.csv und mnist_test.csv
                                   bzw. die vier Fashion-MNIST-.gz-Dateien anbietet)
  erstes-netz help                 diese Hilfe

Optionen für train:
  --train PFAD          Trainingsdaten: CSV der Lektion (.csv, .csv.gz) oder IDX-Bilddatei
                        (*-images-idx3-ubyte[.gz]; die Labels werden daneben gesucht)
  --train-labels PFAD   IDX-Labeldatei, falls sie anders heißt
  --test PFAD           Testdaten, wie --train (mit --train zusammen anzugeben)
  --test-labels PFAD    IDX-Labeldatei der Testdaten
                        ohne --train/--test: vollständiges MNIST aus dem data-Ordner,
                        sonst die mitgelieferten 10.000 Ziffern
  --hidden N            Neuronen der versteckten Schicht (Standard 300)
  --epochs N            Anzahl der Epochen (Standard 50)
  --lr X                Lernrate (Standard 0.1)
  --seed N              Seed des numpy-kompatiblen Zufallsgenerators (Standard 1234,
                        gleiche Start-Weights wie np.random.seed(N) in Python)
  --init DATEI.npz      mit diesen Weights starten statt zufällig (W0, W1, b0, b1)
  --save DATEI.npz      Weights am Ende speichern (numpy-lesbar)
  --json                je Epoche eine JSON-Zeile: epoch, loss, accuracy, test_loss,
                        test_accuracy, seconds
  --profile             am Ende: Zeit je Rechenschritt einer Epoche (ab Epoche 2), mit
                        Rechenleistung (GFLOP/s) und Datendurchsatz (GB/s)
";

const CLASSES: usize = 10;

/// Wrong use of the command line: exit code 2 and a pointer to the help.
struct UsageError(String);

impl From<lexopt::Error> for UsageError {
    fn from(e: lexopt::Error) -> Self {
        UsageError(german_lexopt(&e))
    }
}

fn german_lexopt(e: &lexopt::Error) -> String {
    match e {
        lexopt::Error::MissingValue { option } => format!(
            "Option {} braucht einen Wert",
            option.as_deref().unwrap_or("?")
        ),
        lexopt::Error::UnexpectedOption(o) => format!("unbekannte Option {o}"),
        lexopt::Error::UnexpectedArgument(a) => {
            format!("unerwartetes Argument {}", a.to_string_lossy())
        }
        lexopt::Error::UnexpectedValue { option, value } => format!(
            "Option {option} nimmt keinen Wert, gefunden {}",
            value.to_string_lossy()
        ),
        lexopt::Error::ParsingFailed { value, error } => {
            format!("„{value}“ ist kein gültiger Wert: {error}")
        }
        other => other.to_string(),
    }
}

#[derive(Debug)]
struct TrainArgs {
    train: Option<PathBuf>,
    train_labels: Option<PathBuf>,
    test: Option<PathBuf>,
    test_labels: Option<PathBuf>,
    hidden: Option<usize>,
    epochs: usize,
    lr: f64,
    seed: u32,
    init: Option<PathBuf>,
    save: Option<PathBuf>,
    json: bool,
    profile: bool,
}

enum Command {
    Train(TrainArgs),
    Download {
        dir: PathBuf,
        fashion: bool,
        mirror: Option<String>,
    },
    Help,
}

fn parse_number<T: std::str::FromStr>(
    parser: &mut lexopt::Parser,
    option: &str,
    what: &str,
) -> Result<T, UsageError> {
    let value = parser.value()?;
    let text = value.to_string_lossy();
    text.parse()
        .map_err(|_| UsageError(format!("{option} erwartet {what}, gefunden „{text}“")))
}

fn parse_args() -> Result<Command, UsageError> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let command = match parser.next()? {
        Some(Value(cmd)) => cmd.to_string_lossy().into_owned(),
        Some(Long("help") | Short('h')) | None => return Ok(Command::Help),
        Some(other) => return Err(other.unexpected().into()),
    };
    match command.as_str() {
        "help" => Ok(Command::Help),
        "download" => {
            let mut dir = data_dir();
            let mut fashion = false;
            let mut mirror = None;
            while let Some(arg) = parser.next()? {
                match arg {
                    Long("dir") => dir = parser.value()?.into(),
                    Long("fashion") => fashion = true,
                    Long("mirror") | Long("quelle") => {
                        mirror = Some(parser.value()?.to_string_lossy().into_owned())
                    }
                    Long("help") | Short('h') => return Ok(Command::Help),
                    _ => return Err(arg.unexpected().into()),
                }
            }
            Ok(Command::Download {
                dir,
                fashion,
                mirror,
            })
        }
        "train" => {
            let mut a = TrainArgs {
                train: None,
                train_labels: None,
                test: None,
                test_labels: None,
                hidden: None,
                epochs: 50,
                lr: 0.1,
                seed: 1234,
                init: None,
                save: None,
                json: false,
                profile: false,
            };
            while let Some(arg) = parser.next()? {
                match arg {
                    Long("train") => a.train = Some(parser.value()?.into()),
                    Long("train-labels") => a.train_labels = Some(parser.value()?.into()),
                    Long("test") => a.test = Some(parser.value()?.into()),
                    Long("test-labels") => a.test_labels = Some(parser.value()?.into()),
                    Long("hidden") => {
                        a.hidden = Some(parse_number(
                            &mut parser,
                            "--hidden",
                            "eine positive ganze Zahl",
                        )?)
                    }
                    Long("epochs") => {
                        a.epochs = parse_number(&mut parser, "--epochs", "eine ganze Zahl ≥ 0")?
                    }
                    Long("lr") => a.lr = parse_number(&mut parser, "--lr", "eine Zahl wie 0.1")?,
                    Long("seed") => {
                        a.seed = parse_number(
                            &mut parser,
                            "--seed",
                            "eine ganze Zahl von 0 bis 4294967295",
                        )?
                    }
                    Long("init") => a.init = Some(parser.value()?.into()),
                    Long("save") => a.save = Some(parser.value()?.into()),
                    Long("json") => a.json = true,
                    Long("profile") => a.profile = true,
                    Long("help") | Short('h') => return Ok(Command::Help),
                    _ => return Err(arg.unexpected().into()),
                }
            }
            if a.hidden == Some(0) {
                return Err(UsageError("--hidden muss mindestens 1 sein".into()));
            }
            if !(a.lr.is_finite() && a.lr > 0.0) {
                return Err(UsageError(format!(
                    "--lr muss eine positive Zahl sein, gefunden {}",
                    a.lr
                )));
            }
            if a.train.is_some() != a.test.is_some() {
                return Err(UsageError(
                    "--train und --test nur zusammen angeben (oder beide weglassen für die Standarddaten)"
                        .into(),
                ));
            }
            Ok(Command::Train(a))
        }
        other => Err(UsageError(format!(
            "unbekannter Befehl „{other}“ (bekannt: train, download, help)"
        ))),
    }
}

/// Reads a CSV or, for IDX image files, the image file and its label file.
fn load_path(
    path: &Path,
    labels: Option<&Path>,
) -> erstes_netz::Result<(Array2<f64>, Array1<usize>)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_idx = name.contains("idx3-ubyte") || labels.is_some();
    if !is_idx {
        return load_csv(path);
    }
    let labels = match labels {
        Some(l) => l.to_path_buf(),
        None => path.with_file_name(
            name.replace("images-idx3", "labels-idx1")
                .replace("images.idx3", "labels.idx1"),
        ),
    };
    load_idx(path, labels)
}

type Split = (Array2<f64>, Array1<usize>);

fn load_train_test(a: &TrainArgs) -> erstes_netz::Result<(Split, Split, String)> {
    match (&a.train, &a.test) {
        (Some(train), Some(test)) => {
            let tr = load_path(train, a.train_labels.as_deref())?;
            let te = load_path(test, a.test_labels.as_deref())?;
            let what = format!("{} und {}", train.display(), test.display());
            Ok((tr, te, what))
        }
        _ => {
            let data = DataSource::find(&data_dir())?.load()?;
            let what = data.to_string();
            Ok((
                (data.train_images, data.train_labels),
                (data.test_images, data.test_labels),
                what,
            ))
        }
    }
}

fn json_number(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".into()
    }
}

fn train(a: TrainArgs) -> Result<(), String> {
    let load_start = Instant::now();
    let ((train_x, train_labels), (test_x, test_labels), what) =
        load_train_test(&a).map_err(|e| e.to_string())?;
    let load_seconds = load_start.elapsed().as_secs_f64();
    if train_x.ncols() != test_x.ncols() {
        return Err(format!(
            "Trainingsbilder haben {} Pixel, Testbilder {}: die Daten passen nicht zusammen",
            train_x.ncols(),
            test_x.ncols()
        ));
    }
    let info = |line: String| {
        if a.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    if a.train.is_some() {
        info(format!(
            "Daten: {} Trainings- und {} Testbilder aus {what}",
            german_count(train_labels.len()),
            german_count(test_labels.len())
        ));
    } else {
        info(what);
    }
    info(format!("Eingelesen in {load_seconds:.2} s"));

    // As in the lesson: scale each set to [0, 1], encode the labels one-hot.
    let (mut train_x, mut test_x) = (train_x, test_x);
    min_max_inplace(&mut train_x);
    min_max_inplace(&mut test_x);
    let train_y = one_hot_with_classes(&train_labels, CLASSES);
    let test_y = one_hot_with_classes(&test_labels, CLASSES);
    // The images are the same in every epoch: find their zeros once, not in every product.
    let _train_pattern = ImagePattern::keep(&train_x);
    let _test_pattern = ImagePattern::keep_for_forward_pass(&test_x);

    let (mut w, mut b) = match &a.init {
        Some(path) => {
            let (w, b) = load_weights(path).map_err(|e| e.to_string())?;
            if w[0].ncols() != train_x.ncols() || w[1].nrows() != CLASSES {
                return Err(format!(
                    "Weights-Datei {}: W0 hat die Form ({}, {}), W1 ({}, {}); die Daten brauchen \
                     {} Eingaben und {CLASSES} Ausgaben",
                    path.display(),
                    w[0].nrows(),
                    w[0].ncols(),
                    w[1].nrows(),
                    w[1].ncols(),
                    train_x.ncols()
                ));
            }
            if let Some(h) = a.hidden.filter(|&h| h != w[0].nrows()) {
                return Err(format!(
                    "--hidden {h} passt nicht zu {} mit {} versteckten Neuronen",
                    path.display(),
                    w[0].nrows()
                ));
            }
            info(format!("Start-Weights aus {}", path.display()));
            (w, b)
        }
        None => {
            let hidden = a.hidden.unwrap_or(300);
            let mut rng = NumpyRng::seed(a.seed);
            info(format!(
                "Start-Weights zufällig, Seed {} (wie np.random.seed)",
                a.seed
            ));
            init_weights(train_x.ncols(), hidden, CLASSES, &mut rng)
        }
    };
    info(format!(
        "Netz: {} → {} → {CLASSES}, Lernrate {}, {} Epochen",
        w[0].ncols(),
        w[0].nrows(),
        a.lr,
        a.epochs
    ));

    for epoch in 1..=a.epochs {
        // The first epoch also faults the arrays' memory in: profile from the second on.
        if a.profile && (epoch == 2 || a.epochs == 1) {
            erstes_netz::profile::enable();
        }
        let start = Instant::now();
        // Test values with the same weights as the epoch's training values.
        let (test_loss, test_acc) = evaluate(&w, &b, &test_x, &test_y, &test_labels);
        let (w2, b2, loss, acc) = train_epoch(w, b, &train_x, &train_y, &train_labels, a.lr);
        (w, b) = (w2, b2);
        let seconds = start.elapsed().as_secs_f64();
        if a.json {
            println!(
                "{{\"epoch\": {epoch}, \"loss\": {}, \"accuracy\": {}, \"test_loss\": {}, \
                 \"test_accuracy\": {}, \"seconds\": {}}}",
                json_number(loss),
                json_number(acc),
                json_number(test_loss),
                json_number(test_acc),
                json_number(seconds)
            );
        } else {
            println!(
                "Epoche {:>3}/{}  Loss {loss:.4}  Accuracy {acc:.4}  Test-Loss {test_loss:.4}  \
                 Test-Accuracy {test_acc:.4}  ({seconds:.2} s)",
                epoch, a.epochs
            );
        }
    }
    if a.profile {
        erstes_netz::profile::disable();
        let epochs = a.epochs.saturating_sub(1).max(1);
        for line in profile_table(&erstes_netz::profile::report(), epochs) {
            info(line);
        }
    }
    if let Some(path) = &a.save {
        save_weights(path, &w, &b).map_err(|e| e.to_string())?;
        info(format!("Weights gespeichert in {}", path.display()));
    }
    Ok(())
}

/// The profile as a table: per step the time per epoch, its share, and its rates.
fn profile_table(steps: &[erstes_netz::profile::Step], epochs: usize) -> Vec<String> {
    let total: f64 = steps.iter().map(|s| s.time.as_secs_f64()).sum();
    let mut lines = vec![
        format!("Zeit je Rechenschritt, Mittel über {epochs} Epoche(n):"),
        format!(
            "{:<30} {:>7} {:>9} {:>7} {:>8} {:>7}",
            "Schritt", "Aufrufe", "ms/Epoche", "Anteil", "GFLOP/s", "GB/s"
        ),
    ];
    for s in steps {
        let seconds = s.time.as_secs_f64();
        lines.push(format!(
            "{:<30} {:>7} {:>9.1} {:>6.1}% {:>8.1} {:>7.1}",
            s.name,
            s.calls as usize / epochs,
            1e3 * seconds / epochs as f64,
            100.0 * seconds / total.max(f64::MIN_POSITIVE),
            s.flops / seconds.max(f64::MIN_POSITIVE) / 1e9,
            s.bytes / seconds.max(f64::MIN_POSITIVE) / 1e9,
        ));
    }
    lines.push(format!(
        "{:<30} {:>7} {:>9.1}",
        "Summe der Schritte",
        "",
        1e3 * total / epochs as f64
    ));
    lines
}

fn main() -> ExitCode {
    erstes_netz::keep_freed_memory();
    let command = match parse_args() {
        Ok(c) => c,
        Err(UsageError(msg)) => {
            eprintln!("Fehler: {msg}\nHilfe: erstes-netz help");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            print!("{USAGE}");
            Ok(())
        }
        Command::Download {
            dir,
            fashion: false,
            mirror,
        } => {
            let base = mirror.as_deref().map(|m| m.trim_end_matches('/'));
            let urls = base.map(|b| {
                [
                    format!("{b}/mnist_train.csv"),
                    format!("{b}/mnist_test.csv"),
                ]
            });
            download_mnist(&dir, urls.as_ref().map(|[a, b]| [a.as_str(), b.as_str()]))
                .map(|source| println!("Fertig: {} in {}", source.name(), dir.display()))
                .map_err(|e| e.to_string())
        }
        Command::Download {
            dir,
            fashion: true,
            mirror,
        } => {
            let dir = dir.join("fashion-mnist");
            download_fashion_mnist(&dir, mirror.as_deref())
                .map(|()| println!("Fertig: Fashion-MNIST in {}", dir.display()))
                .map_err(|e| e.to_string())
        }
        Command::Train(args) => train(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("Fehler: {msg}");
            ExitCode::FAILURE
        }
    }
}
