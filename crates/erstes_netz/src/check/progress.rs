//! Where do I stand? [`fortschritt`] lists every exercise of a lesson with
//! ✅ / ❌ / ✏️ from the checks run in this kernel session, and [`hinweis`]
//! gives the next hint for one exercise.
//!
//! Each notebook cell is its own library in evcxr, with its own copy of this
//! crate's statics, so the results live in a small file per kernel process
//! (in the temporary folder, named by the process id): a restarted kernel
//! starts afresh, two notebooks open at once do not mix.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;

/// One exercise: the check's name, what it is about, and three hints, from
/// a pointer to the formula via the shapes to the Rust idiom. The solution
/// itself stays collapsed under the exercise, as in the original.
pub(super) struct Exercise {
    pub name: &'static str,
    pub what: &'static str,
    pub hints: [&'static str; 3],
}

/// The exercises of the two lessons, in the order of the notebooks.
pub(super) const LESSONS: [(&str, &[Exercise]); 2] = [
    (
        "Lektion 1: Erstes Neuronales Netzwerk",
        &[
            Exercise {
                name: "init_weights",
                what: "Weights und Bias initialisieren",
                hints: [
                    "Jede Schicht hat eine Weightmatrix: eine Zeile pro Neuron der Schicht, eine Spalte pro Input.",
                    "w[0] hat die Form (hidden_size, input_size), w[1] die Form (output_size, hidden_size); die Bias-Vektoren haben so viele Einträge wie ihre Schicht Neuronen.",
                    "Formen sind Tupel: (hidden_size, input_size). Einen Null-Vektor gibt Array1::zeros(länge).",
                ],
            },
            Exercise {
                name: "forward_pass",
                what: "Forward Pass",
                hints: [
                    "Zwei Schichten: z_1 = x · w[0]ᵀ + b[0], a_1 = sigmoid(z_1); z_2 = a_1 · w[1]ᵀ + b[1], y_hat = softmax(z_2).",
                    "x hat die Form (Bilder, 784), w[0] die Form (300, 784): x · w[0]ᵀ hat die Form (Bilder, 300). Softmax gehört über die Klassen jedes Bildes, also über Axis(1).",
                    "Transponieren ohne Kopie: w[0].t(). matmul(&x, &w[0].t()) + &b[0] addiert den Bias zu jeder Zeile; softmax(&z_2, Axis(1)).",
                ],
            },
            Exercise {
                name: "first_classification",
                what: "Erste Klassifikation: Loss vor dem Training",
                hints: [
                    "Erst die Weights mit Seed 1234 initialisieren (784 → 300 → 10), dann der Forward Pass mit den Trainingsbildern, dann der Loss.",
                    "Der mittlere Loss ist calc_loss(y_hat, y) geteilt durch die Anzahl der Bilder, y_hat.nrows().",
                    "Ganze Zahlen in f64 umwandeln: y_hat.nrows() as f64. Der Forward Pass gibt ein Tupel zurück: let (z_1, a_1, y_hat) = forward_pass(&w, &b, &train_images);",
                ],
            },
            Exercise {
                name: "back_prop",
                what: "Backpropagation",
                hints: [
                    "Von hinten nach vorn: dZ_2 = y_hat − y, dW_2 = dZ_2ᵀ · a_1 / n; dZ_1 = (dZ_2 · w[1]) ⊙ a_1 ⊙ (1 − a_1), dW_1 = dZ_1ᵀ · x / n; die Bias-Gradienten sind die Summen von dZ über die Bilder, durch n.",
                    "Jeder Gradient hat die Form seines Weights: dW_2 (10, 300), dW_1 (300, 784). Summen über die Bilder laufen über Axis(0).",
                    "matmul(&dz_2.t(), a_1) / n; elementweise Produkte mit * zwischen Arrays (&a * &b); dz_1.sum_axis(Axis(0)) / n.",
                ],
            },
            Exercise {
                name: "update",
                what: "Weights updaten",
                hints: [
                    "Ein Schritt gegen den Gradienten: W ← W − lr · dW und b ← b − lr · db, für beide Schichten.",
                    "w[i] und grad_w[i] haben dieselbe Form, ebenso b[i] und grad_b[i]: das Update ist elementweise.",
                    "&w[i] - &(lr * &grad_w[i]) gibt ein neues Array; oder in place: w[i].scaled_add(-lr, &grad_w[i]).",
                ],
            },
            Exercise {
                name: "training_step",
                what: "Alles zusammenfügen: ein Trainingsschritt",
                hints: [
                    "Die Schritte der Reihe nach: Forward Pass, Loss, back_prop, update mit Lernrate 0,1.",
                    "back_prop bekommt die Trainingsbilder, z_1, a_1, y_hat aus dem Forward Pass, die One-Hot-Labels und w.",
                    "let (grad_w, grad_b) = back_prop(&train_images, &z_1, &a_1, &y_hat, &train_targets, &w); danach let (w, b) = update(w, b, &grad_w, &grad_b, 0.1);",
                ],
            },
            Exercise {
                name: "continued_training",
                what: "Weitertrainieren ohne Neustart",
                hints: [
                    "Weitertrainieren heißt: mit den Weights weitermachen, die das Training gerade gelernt hat.",
                    "Neu initialisieren würde die 50 Epochen wegwerfen; der Loss muss dort weitermachen, wo er aufgehört hat.",
                    "Statt init_weights(…) einfach die Variablen der vorigen Zelle übernehmen: (w, b).",
                ],
            },
            Exercise {
                name: "test_metrics",
                what: "Übungsaufgabe: Test-Loss und Test-Accuracy je Epoche",
                hints: [
                    "Die Testwerte sind Loss und Accuracy des Netzes auf den Testbildern, mit denselben Weights wie die Trainingswerte dieser Epoche (vor dem Update).",
                    "Ein zweiter Forward Pass mit test_images; der Test-Loss wird durch die Anzahl der Testbilder geteilt, verglichen wird mit test_targets und test_labels.",
                    "let (_, _, test_y_hat) = forward_pass(&w, &b, &test_images); dann calc_loss(&test_y_hat, &test_targets) / test_y_hat.nrows() as f64 und accuracy(&test_labels, &test_y_hat).",
                ],
            },
        ],
    ),
    (
        "Lektion 2: Weiterführend",
        &[
            Exercise {
                name: "numerical_gradient",
                what: "Gradient Check: der numerische Gradient",
                hints: [
                    "Die zentrale Differenz: (L(w + h) − L(w − h)) / 2h, mit dem mittleren Loss L.",
                    "plus und minus sind schon fertig; loss(&plus) und loss(&minus) geben die beiden Loss-Werte.",
                    "(loss(&plus) - loss(&minus)) / (2.0 * h) – die Klammern um 2.0 * h nicht vergessen.",
                ],
            },
            Exercise {
                name: "minibatch_epoch",
                what: "Mini-Batch-Training",
                hints: [
                    "Eine Epoche: die Bilder in neuer zufälliger Reihenfolge, dann für jedes Stück von batch_size Bildern Forward Pass, back_prop und update.",
                    "Die Reihenfolge: order.shuffle(rng) auf den Indizes 0..n; ein Batch ist order.chunks(batch_size), das letzte darf kleiner sein.",
                    "x.select(Axis(0), batch) holt die Zeilen eines Batches, ebenso für y.",
                ],
            },
        ],
    ),
];

/// The result of one exercise's check in this kernel session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Passed,
    Failed,
    Open,
}

/// Whether results are kept: in the evcxr kernel (which sets
/// `EVCXR_IS_RUNTIME`) or where `ERSTES_NETZ_FORTSCHRITT` names a file; not
/// in a program or test run, which would only leave files behind.
fn enabled() -> bool {
    std::env::var_os("EVCXR_IS_RUNTIME").is_some()
        || std::env::var_os("ERSTES_NETZ_FORTSCHRITT").is_some()
}

/// The file of this kernel process. `ERSTES_NETZ_FORTSCHRITT` names another
/// one (the tests use it).
fn store() -> PathBuf {
    std::env::var_os("ERSTES_NETZ_FORTSCHRITT").map_or_else(
        || {
            std::env::temp_dir().join(format!(
                "erstes-netz-fortschritt-{}.txt",
                std::process::id()
            ))
        },
        PathBuf::from,
    )
}

/// The lines recorded so far (none if nothing was recorded or the file cannot be read).
fn records() -> Vec<String> {
    if !enabled() {
        return Vec::new();
    }
    std::fs::read_to_string(store())
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Appends one line; losing it only makes the overview less complete, so
/// errors are ignored (a check must not fail because /tmp is full).
fn append(line: &str) {
    if !enabled() {
        return;
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(store())
    {
        let _ = writeln!(f, "{line}");
    }
}

/// A field of a record line: no tabs or line ends inside.
fn field(text: &str) -> String {
    text.replace(['\n', '\t'], " ")
}

/// The record line of a check's verdict: its message starts with ✅, ❌ or
/// ✏️, then the exercise's name and a colon.
fn record_line(message: &str) -> Option<String> {
    let status = match message.chars().next() {
        Some('✅') => "ok",
        Some('❌') => "falsch",
        _ => "offen",
    };
    let rest = message.trim_start_matches(['✅', '❌', '✏', '\u{fe0f}', ' ']);
    let (name, detail) = rest.split_once(':')?;
    Some(format!(
        "check\t{}\t{status}\t{}",
        field(name.trim()),
        field(detail.trim())
    ))
}

/// Records the verdict of a check for [`fortschritt`].
pub(super) fn record(message: &str) {
    if let Some(line) = record_line(message) {
        append(&line);
    }
}

/// The last recorded status of every exercise name, with its message.
fn last_results(lines: &[String]) -> Vec<(String, Status, String)> {
    let mut out: Vec<(String, Status, String)> = Vec::new();
    for line in lines {
        let mut parts = line.splitn(4, '\t');
        let (Some("check"), Some(name), Some(status), detail) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let status = match status {
            "ok" => Status::Passed,
            "falsch" => Status::Failed,
            _ => Status::Open,
        };
        let detail = detail.unwrap_or("").to_string();
        match out.iter_mut().find(|(n, _, _)| n == name) {
            Some(entry) => (entry.1, entry.2) = (status, detail),
            None => out.push((name.to_string(), status, detail)),
        }
    }
    out
}

/// The overview of the lessons, as [`fortschritt`] shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fortschritt {
    text: String,
    /// (exercise, status) for every exercise shown.
    rows: Vec<(&'static str, Status)>,
}

impl Fortschritt {
    /// Names of the exercises that are solved.
    pub fn geloest(&self) -> Vec<&'static str> {
        self.with(Status::Passed)
    }

    /// Names of the exercises whose last check found a mistake.
    pub fn falsch(&self) -> Vec<&'static str> {
        self.with(Status::Failed)
    }

    /// Names of the exercises not checked yet or with a blank still open.
    pub fn offen(&self) -> Vec<&'static str> {
        self.with(Status::Open)
    }

    fn with(&self, status: Status) -> Vec<&'static str> {
        self.rows
            .iter()
            .filter(|(_, s)| *s == status)
            .map(|(n, _)| *n)
            .collect()
    }

    /// Shows the overview as the cell's result in evcxr.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/plain\n{}\nEVCXR_END_CONTENT",
            self.text
        );
    }
}

impl fmt::Display for Fortschritt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Builds the overview from recorded lines: every lesson with at least one
/// check run (lesson 1 if none was).
pub(super) fn overview(lines: &[String]) -> Fortschritt {
    let results = last_results(lines);
    let result_of = |name: &str| results.iter().find(|(n, _, _)| n == name);
    let mut shown: Vec<_> = LESSONS
        .iter()
        .filter(|(_, exercises)| exercises.iter().any(|e| result_of(e.name).is_some()))
        .collect();
    if shown.is_empty() {
        shown.push(&LESSONS[0]);
    }
    let mut text = String::new();
    let mut rows = Vec::new();
    for (title, exercises) in shown {
        text += &format!("{title}\n");
        let mut open = Vec::new();
        for e in exercises.iter() {
            let (status, detail) = match result_of(e.name) {
                Some((_, s, d)) => (*s, d.as_str()),
                None => (Status::Open, "noch nicht geprüft"),
            };
            let mark = match status {
                Status::Passed => "✅",
                Status::Failed => "❌",
                Status::Open => "✏️",
            };
            let note = match status {
                Status::Passed => String::new(),
                _ => format!(" – {}", shorten(detail, 90)),
            };
            text += &format!("  {mark} {} ({}){note}\n", e.what, e.name);
            if status != Status::Passed {
                open.push(e.name);
            }
            rows.push((e.name, status));
        }
        if open.is_empty() {
            text += "  Alles gelöst!\n";
        } else {
            text += &format!(
                "  Noch zu tun: {}. Einen Hinweis gibt check::hinweis(\"{}\").\n",
                open.join(", "),
                open[0]
            );
        }
    }
    Fortschritt {
        text: text.trim_end().to_string(),
        rows,
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

/// Lists every exercise of the lesson with ✅ (gelöst), ❌ (die letzte
/// Prüfung fand einen Fehler) or ✏️ (offen, noch nicht geprüft), from the
/// checks run in this kernel session, and what is still to do.
///
/// # Example
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # unsafe { std::env::set_var("ERSTES_NETZ_FORTSCHRITT", dir.path().join("f.txt")) };
/// let stand = erstes_netz::check::fortschritt();
/// assert!(stand.to_string().contains("Forward Pass"));
/// assert!(stand.geloest().is_empty());
/// ```
pub fn fortschritt() -> Fortschritt {
    overview(&records())
}

/// The next hint for one exercise, as [`hinweis`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hinweis(String);

impl Hinweis {
    /// Shows the hint as the cell's result in evcxr.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/plain\n{}\nEVCXR_END_CONTENT",
            self.0
        );
    }
}

impl fmt::Display for Hinweis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The hint text for the `given`-th call (0 = first) for `name`.
pub(super) fn hint_text(name: &str, given: usize) -> String {
    let all: Vec<&Exercise> = LESSONS.iter().flat_map(|(_, e)| e.iter()).collect();
    let Some(e) = all.iter().find(|e| e.name == name.trim()) else {
        let names: Vec<&str> = all.iter().map(|e| e.name).collect();
        return format!(
            "Eine Aufgabe „{name}“ gibt es nicht. Die Aufgaben heißen wie ihre Prüfung: {}.",
            names.join(", ")
        );
    };
    let n = e.hints.len();
    if given < n {
        let more = if given + 1 < n {
            " Noch ein Hinweis: dieselbe Zelle noch einmal ausführen."
        } else {
            " Das war der letzte Hinweis; die Lösung steht eingeklappt unter der Aufgabe."
        };
        format!(
            "💡 {} – Hinweis {} von {n}: {}{more}",
            e.what,
            given + 1,
            e.hints[given]
        )
    } else {
        let list: Vec<String> = e
            .hints
            .iter()
            .enumerate()
            .map(|(i, h)| format!("{}. {h}", i + 1))
            .collect();
        format!(
            "💡 {} – alle {n} Hinweise:\n{}\nDie Lösung steht eingeklappt unter der Aufgabe.",
            e.what,
            list.join("\n")
        )
    }
}

/// Shows the next hint for an exercise (named like its check, e.g.
/// `"forward_pass"`): first a pointer to the formula, then the shapes,
/// then the Rust idiom; after the last one, all three again. Never the
/// whole solution at once.
pub fn hinweis(name: &str) -> Hinweis {
    let given = records()
        .iter()
        .filter(|l| l.strip_prefix("hinweis\t") == Some(name.trim()))
        .count();
    let text = hint_text(name, given);
    if !text.starts_with("Eine Aufgabe") {
        append(&format!("hinweis\t{}", field(name.trim())));
    }
    Hinweis(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn overview_shows_solved_wrong_and_open_exercises() {
        let f = overview(&lines(&[
            "check\tinit_weights\tok\trichtig!",
            "check\tforward_pass\tfalsch\tz_1 weicht ab",
            "check\tback_prop\toffen\tnoch nicht fertig",
            "hinweis\tforward_pass",
            "check\tforward_pass\tok\trichtig!",
            "check\tupdate\tfalsch\tgrad_w[0] falsch",
        ]));
        assert_eq!(f.geloest(), ["init_weights", "forward_pass"]);
        assert_eq!(f.falsch(), ["update"]);
        assert!(f.offen().contains(&"back_prop") && f.offen().contains(&"test_metrics"));
        let text = f.to_string();
        assert!(text.contains("✅ Forward Pass"), "{text}");
        assert!(
            text.contains("❌ Weights updaten (update) – grad_w[0] falsch"),
            "{text}"
        );
        assert!(
            text.contains("✏️ Backpropagation (back_prop) – noch nicht fertig"),
            "{text}"
        );
        assert!(text.contains("Noch zu tun: first_classification"), "{text}");
        assert!(!text.contains("Lektion 2"), "{text}");
    }

    #[test]
    fn verdict_messages_become_records_the_overview_reads() {
        let recorded: Vec<String> = [
            "✅ init_weights: richtig! w[0] hat die Form (200, 784)",
            "❌ update: w[0] weicht ab:\n an der Stelle (0, 0)",
            "✏️ forward_pass: noch nicht fertig. Eine Lücke mit todo!() ist offen",
        ]
        .iter()
        .filter_map(|m| record_line(m))
        .collect();
        assert_eq!(recorded.len(), 3);
        assert!(
            recorded.iter().all(|l| l.split('\t').count() == 4),
            "{recorded:?}"
        );
        let f = overview(&recorded);
        assert_eq!(f.geloest(), ["init_weights"]);
        assert_eq!(f.falsch(), ["update"]);
        let text = f.to_string();
        assert!(
            text.contains("❌ Weights updaten (update) – w[0] weicht ab:  an der Stelle"),
            "{text}"
        );
        assert!(
            text.contains("✏️ Forward Pass (forward_pass) – noch nicht fertig"),
            "{text}"
        );
    }

    #[test]
    fn overview_without_checks_lists_lesson_1_and_a_lesson_2_check_shows_lesson_2() {
        let none = overview(&[]);
        assert!(none.to_string().starts_with("Lektion 1"));
        assert_eq!(none.offen().len(), 8);
        let two = overview(&lines(&["check\tnumerical_gradient\tok\trichtig!"]));
        assert!(two.to_string().starts_with("Lektion 2"), "{two}");
        assert_eq!(two.geloest(), ["numerical_gradient"]);
    }

    #[test]
    fn hints_come_one_at_a_time_and_unknown_names_are_explained() {
        let first = hint_text("forward_pass", 0);
        assert!(
            first.contains("Hinweis 1 von 3") && first.contains("z_1 = x · w[0]ᵀ"),
            "{first}"
        );
        assert!(!first.contains("w[0].t()"), "the idiom comes last: {first}");
        assert!(hint_text("forward_pass", 2).contains("letzte Hinweis"));
        assert!(hint_text("forward_pass", 5).contains("alle 3 Hinweise"));
        let unknown = hint_text("forward", 0);
        assert!(
            unknown.contains("„forward“ gibt es nicht") && unknown.contains("forward_pass"),
            "{unknown}"
        );
    }

    #[test]
    fn every_check_of_the_notebooks_has_an_exercise_with_three_hints() {
        let names: Vec<&str> = LESSONS
            .iter()
            .flat_map(|(_, e)| e.iter().map(|e| e.name))
            .collect();
        for lesson in ["01_erstes_netz", "02_weiterfuehrend"] {
            let path = format!(
                "{}/../../notebooks/quelle/{lesson}.md",
                env!("CARGO_MANIFEST_DIR")
            );
            let source = std::fs::read_to_string(&path).unwrap();
            for call in source.split("check::").skip(1) {
                let name: String = call
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if ["fortschritt", "hinweis", ""].contains(&name.as_str()) {
                    continue;
                }
                assert!(
                    names.contains(&name.as_str()),
                    "{lesson}: check::{name} has no exercise"
                );
            }
        }
    }
}
