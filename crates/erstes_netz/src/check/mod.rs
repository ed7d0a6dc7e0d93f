//! The lesson's check cells: they run a student's function (or look at a
//! student's result), compare it with the crate's reference implementation
//! and explain in German what is right or what exactly is wrong.
//!
//! Every check prints one line starting with ✅ (passed), ❌ (wrong) or ✏️
//! (a `todo!` is still open) and returns a [`Verdict`], which the notebook
//! shows below the cell and nbgrader reads as points. A panic in the
//! student's code is caught and explained; a check never ends in a backtrace.
//!
//! The diagnosis compares the student's result with the results of the
//! typical mistakes (bias forgotten, softmax over the wrong axis, …): if it
//! equals one of them, the message names that mistake.

mod panics;
mod progress;

pub use progress::{Fortschritt, Hinweis, fortschritt, hinweis};

use std::panic::{AssertUnwindSafe, catch_unwind};

use ndarray::{Array1, Array2, ArrayRef, Axis, Dimension};

use crate::shape::fmt_shape;
use crate::{Biases, DataSource, NumpyRng, Weights, data_dir, min_max, one_hot_with_classes};

/// The lesson's network: 784 inputs, 300 hidden neurons, 10 outputs, seed 1234.
pub const INPUT: usize = 784;
/// See [`INPUT`].
pub const HIDDEN: usize = 300;
/// See [`INPUT`].
pub const OUTPUT: usize = 10;
/// See [`INPUT`].
pub const SEED: u32 = 1234;

/// Relative tolerance when comparing with the reference.
const TOL: f64 = 1e-9;

/// Outcome of running student code under a check.
enum Run<T> {
    Done(T),
    Todo(String),
    Panicked(String),
}

/// Runs `f`, catching a panic without printing a backtrace.
fn run<T>(f: impl FnOnce() -> T) -> Run<T> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    match result {
        Ok(v) => Run::Done(v),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(unbekannter Abbruch)".into());
            match msg.strip_prefix("not yet implemented") {
                Some(rest) => Run::Todo(rest.trim_start_matches(':').trim().to_string()),
                None => Run::Panicked(msg),
            }
        }
    }
}

fn pass(name: &str, msg: &str) -> Verdict {
    Verdict::shown(true, format!("✅ {name}: {msg}"))
}

fn fail(name: &str, msg: &str) -> Verdict {
    Verdict::shown(false, format!("❌ {name}: {msg}"))
}

/// The outcome of a check, shown below the check cell: a short note for the
/// student (HTML) and the points for nbgrader (plain text "1" or "0", which
/// nbgrader reads as the cell's partial credit).
///
/// It is the cell's value, so a check cell ends without a semicolon. (The
/// points cannot travel on stderr: evcxr drops stderr lines now and then.)
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a check cell shows its verdict: end the cell without a semicolon"]
pub struct Verdict {
    passed: bool,
    message: String,
}

impl Verdict {
    /// Prints the feedback line (it appears above the verdict) and keeps it.
    fn shown(passed: bool, message: String) -> Verdict {
        println!("{message}");
        progress::record(&message);
        Verdict { passed, message }
    }

    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        self.passed
    }

    /// The German feedback line, starting with ✅, ❌ or ✏️.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Shows the verdict in a Jupyter notebook running the evcxr kernel.
    pub fn evcxr_display(&self) {
        let (color, text) = if self.passed {
            ("#1a7f37", "✅ Prüfung bestanden")
        } else {
            ("#cf222e", "❌ Prüfung noch nicht bestanden")
        };
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n<b style=\"color:{color}\">{text}</b>\nEVCXR_END_CONTENT"
        );
        println!(
            "EVCXR_BEGIN_CONTENT text/plain\n{}\nEVCXR_END_CONTENT",
            u8::from(self.passed)
        );
    }
}

/// Unwraps a run; an open `todo!` or a panic becomes the (failed) verdict.
fn finished<T>(name: &str, r: Run<T>) -> Result<T, Verdict> {
    match r {
        Run::Done(v) => Ok(v),
        Run::Todo(hint) => {
            let hint = if hint.is_empty() {
                String::new()
            } else {
                format!(" ({hint})")
            };
            Err(Verdict::shown(
                false,
                format!(
                    "✏️ {name}: noch nicht fertig – eine Lücke mit todo!() ist noch offen{hint}. \
                     Füllen Sie sie aus und führen Sie erst die Zelle mit der Funktion, dann diese Zelle erneut aus."
                ),
            ))
        }
        Run::Panicked(msg) => Err(fail(
            name,
            &format!("Ihre Funktion ist abgebrochen: {}", panics::german(&msg)),
        )),
    }
}

/// Whether two arrays have the same shape and agree to a relative tolerance.
fn close<D: Dimension>(a: &ArrayRef<f64, D>, b: &ArrayRef<f64, D>) -> bool {
    a.shape() == b.shape()
        && a.iter()
            .zip(b.iter())
            .all(|(&x, &y)| (x - y).abs() <= TOL * x.abs().max(y.abs()).max(1.0))
}

fn close_f(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOL * a.abs().max(b.abs()).max(1.0)
}

/// Where and by how much `found` differs from `expected` (same shape).
fn first_difference<D: Dimension>(found: &ArrayRef<f64, D>, expected: &ArrayRef<f64, D>) -> String {
    let position = found
        .indexed_iter()
        .zip(expected.iter())
        .map(|((idx, &x), &y)| (idx, x, y))
        .find(|&(_, x, y)| !close_f(x, y));
    match position {
        Some((idx, x, y)) => format!("an der Stelle {idx:?} erwartet {y:.6}, gefunden {x:.6}"),
        None => "keine Abweichung".into(),
    }
}

/// Compares `found` with the correct result and with the results of typical
/// mistakes; names the mistake it matches, or says where it differs.
fn diagnose<D: Dimension>(
    what: &str,
    found: &ArrayRef<f64, D>,
    expected: &ArrayRef<f64, D>,
    mistakes: &[(&ndarray::Array<f64, D>, &str)],
) -> Option<String> {
    if close(found, expected) {
        return None;
    }
    if found.shape() != expected.shape() {
        let transposed = found.ndim() == 2
            && found.shape()[0] == expected.shape()[1]
            && found.shape()[1] == expected.shape()[0];
        return Some(format!(
            "`{what}` hat die Form {}, erwartet {}{}",
            fmt_shape(found.shape()),
            fmt_shape(expected.shape()),
            if transposed {
                " – Zeilen und Spalten vertauscht (transponiert)?"
            } else {
                "."
            }
        ));
    }
    if found.iter().any(|v| !v.is_finite()) {
        return Some(format!("`{what}` enthält NaN oder unendliche Werte."));
    }
    for (candidate, message) in mistakes {
        if close(found, candidate) {
            return Some(format!("`{what}` weicht ab: {message}"));
        }
    }
    if let Some(family) = family(found, expected) {
        return Some(format!("`{what}` weicht ab: {family}"));
    }
    Some(format!(
        "`{what}` weicht ab: {}.",
        first_difference(found, expected)
    ))
}

/// Mistakes that are no catalogued case but a whole family: a result that
/// is all zeros, or everywhere the same multiple of the expected one.
fn family<D: Dimension>(found: &ArrayRef<f64, D>, expected: &ArrayRef<f64, D>) -> Option<String> {
    let expected_norm: f64 = expected.iter().map(|e| e * e).sum();
    if expected_norm == 0.0 {
        return None;
    }
    if found.iter().all(|&v| v == 0.0) {
        return Some(
            "überall 0. Wurde das Ergebnis mit zeros angelegt und nicht gefüllt, oder ein \
             anderes Array zurückgegeben als das berechnete?"
                .into(),
        );
    }
    // The factor c that fits best (least squares); a family only if it fits everywhere.
    let c = found
        .iter()
        .zip(expected.iter())
        .map(|(f, e)| f * e)
        .sum::<f64>()
        / expected_norm;
    let scaled = expected.mapv(|e| c * e);
    if !close(found, &scaled) || (c - 1.0).abs() < 1e-6 {
        return None;
    }
    let near = |v: f64| (c - v).abs() <= 1e-6 * v.abs().max(1.0);
    let whole = c.round();
    Some(if near(-1.0) {
        "überall das Negative (−1 ×) des richtigen Werts: ein Vorzeichen ist vertauscht, etwa \
         y − y_hat statt y_hat − y, oder + statt − im Update."
            .into()
    } else if near(2.0) {
        "überall das Doppelte des richtigen Werts: ein Faktor 2 zu viel (etwa durch h statt 2h \
         geteilt) oder ein Term doppelt addiert."
            .into()
    } else if near(0.5) {
        "überall die Hälfte des richtigen Werts: ein Faktor 2 fehlt oder wurde zu viel geteilt."
            .into()
    } else if whole.abs() >= 3.0 && near(whole) {
        format!(
            "überall das {whole}-Fache des richtigen Werts. Meist fehlt eine Division, z. B. \
             durch die Anzahl der Bilder n (Summe statt Mittel)."
        )
    } else if (1.0 / c).round().abs() >= 3.0 && near(1.0 / (1.0 / c).round()) {
        format!(
            "überall 1/{} des richtigen Werts. Meist wurde einmal zu oft geteilt, z. B. durch \
             die Anzahl der Bilder n.",
            (1.0 / c).round()
        )
    } else {
        format!(
            "überall das {c:.4}-Fache des richtigen Werts: ein konstanter Faktor ist falsch, \
             etwa die Lernrate, ein Teiler oder ein Vorzeichen."
        )
    })
}

fn tiny_network() -> (Weights, Biases, Array2<f64>, Array2<f64>) {
    let mut rng = NumpyRng::seed(7);
    let (w, mut b) = crate::init_weights(6, 5, 4, &mut rng);
    // Non-zero biases: a forgotten bias must make a difference.
    b[0] = crate::randn(5, &mut rng) * 0.5;
    b[1] = crate::randn(4, &mut rng) * 0.5;
    let x: Array2<f64> = crate::randn((3, 6), &mut rng).mapv(f64::abs);
    let y = one_hot_with_classes(&Array1::from(vec![2, 0, 3]), 4);
    (w, b, x, y)
}

/// Checks the student's `init_weights` (shapes, scaling, zero biases, and the
/// exact numbers of numpy's `np.random.seed(1234)`).
pub fn init_weights(
    f: impl Fn(usize, usize, usize, &mut NumpyRng) -> (Weights, Biases),
) -> Verdict {
    const NAME: &str = "init_weights";
    let (w, b) = match finished(
        NAME,
        run(|| f(INPUT, 200, OUTPUT, &mut NumpyRng::seed(SEED))),
    ) {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    let (rw, rb) = crate::init_weights(INPUT, 200, OUTPUT, &mut NumpyRng::seed(SEED));
    for i in 0..2 {
        if w[i].shape() != rw[i].shape() {
            let swapped = w[i].nrows() == rw[i].ncols() && w[i].ncols() == rw[i].nrows();
            return fail(
                NAME,
                &format!(
                    "`w[{i}]` hat die Form {}, erwartet {}{}",
                    fmt_shape(w[i].shape()),
                    fmt_shape(rw[i].shape()),
                    if swapped {
                        " – transponiert? randn bekommt (Zeilen, Spalten) = (Größe der nächsten Schicht, Größe dieser Schicht)."
                    } else {
                        "."
                    }
                ),
            );
        }
        if b[i].len() != rb[i].len() {
            return fail(
                NAME,
                &format!(
                    "`b[{i}]` hat die Form {}, erwartet {}: ein Bias pro Neuron der Schicht, also so viele wie `w[{i}]` Zeilen hat.",
                    fmt_shape(b[i].shape()),
                    fmt_shape(rb[i].shape())
                ),
            );
        }
        if b[i].iter().any(|&v| v != 0.0) {
            return fail(
                NAME,
                &format!("`b[{i}]` soll nur Nullen enthalten (Array1::zeros)."),
            );
        }
    }
    // Same random numbers in the same order, scaled by √(2 / fan_in)?
    let mut raw = NumpyRng::seed(SEED);
    let r0: Array2<f64> = crate::randn((200, INPUT), &mut raw);
    let r1: Array2<f64> = crate::randn((OUTPUT, 200), &mut raw);
    let mut swapped_order = NumpyRng::seed(SEED);
    let s1: Array2<f64> = crate::randn((OUTPUT, 200), &mut swapped_order);
    let s0: Array2<f64> = crate::randn((200, INPUT), &mut swapped_order);
    let mistakes0 = [
        (
            &r0,
            "die Skalierung mit (2.0 / input_size as f64).sqrt() fehlt.",
        ),
        (
            &(&r0 * (2.0 / 200.0f64).sqrt()),
            "skaliert mit √(2 / hidden_size); für w[0] gehört √(2 / input_size) dazu.",
        ),
        (
            &(&r0 * (1.0 / INPUT as f64).sqrt()),
            "skaliert mit √(1 / input_size); die Lektion nimmt √(2 / input_size).",
        ),
        (
            &(&s0 * (2.0 / INPUT as f64).sqrt()),
            "w[1] wurde vor w[0] gezogen; ziehen Sie wie im Original zuerst w[0], dann w[1].",
        ),
    ];
    if let Some(msg) = diagnose("w[0]", &w[0], &rw[0], &mistakes0) {
        return fail(NAME, &msg);
    }
    let mistakes1 = [
        (
            &r1,
            "die Skalierung mit (2.0 / hidden_size as f64).sqrt() fehlt.",
        ),
        (
            &(&r1 * (2.0 / INPUT as f64).sqrt()),
            "skaliert mit √(2 / input_size); für w[1] gehört √(2 / hidden_size) dazu.",
        ),
        (
            &(&s1 * (2.0 / 200.0f64).sqrt()),
            "w[1] wurde vor w[0] gezogen.",
        ),
    ];
    if let Some(msg) = diagnose("w[1]", &w[1], &rw[1], &mistakes1) {
        return fail(NAME, &msg);
    }
    pass(
        NAME,
        "richtig! w[0] hat die Form (200, 784), w[1] (10, 200), die Biases sind Nullen – \
         und die Zahlen sind genau die von numpy mit np.random.seed(1234).",
    )
}

/// Checks the student's `forward_pass` on a small network.
#[allow(clippy::type_complexity)]
pub fn forward_pass(
    f: impl Fn(&Weights, &Biases, &Array2<f64>) -> (Array2<f64>, Array2<f64>, Array2<f64>),
) -> Verdict {
    const NAME: &str = "forward_pass";
    let (w, b, x, _) = tiny_network();
    let (z_1, a_1, y_hat) = match finished(NAME, run(|| f(&w, &b, &x))) {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    let (rz, ra, ry) = crate::forward_pass(&w, &b, &x);
    let xw = crate::matmul(&x, &w[0].t());
    let z_with_b1 = |a: &Array2<f64>| crate::matmul(a, &w[1].t()) + &b[1];
    let mistakes_z = [
        (&xw, "der Bias fehlt: z_1 = x·w[0]ᵀ + b[0]."),
        (&(&xw - &b[0]), "der Bias wird abgezogen statt addiert."),
    ];
    if let Some(msg) = diagnose("z_1", &z_1, &rz, &mistakes_z) {
        return fail(NAME, &msg);
    }
    let softmax_z1 = crate::softmax(&rz, Axis(1));
    let mistakes_a = [
        (&rz, "die Aktivierung fehlt: a_1 = sigmoid(&z_1)."),
        (
            &softmax_z1,
            "in der versteckten Schicht gehört sigmoid hin, nicht softmax.",
        ),
    ];
    if let Some(msg) = diagnose("a_1", &a_1, &ra, &mistakes_a) {
        return fail(NAME, &msg);
    }
    let z_2 = z_with_b1(&ra);
    let sigmoid_out = crate::sigmoid(&z_2);
    let axis0 = crate::softmax(&z_2, Axis(0));
    let no_b1 = crate::softmax(&crate::matmul(&ra, &w[1].t()), Axis(1));
    let from_z1 = crate::softmax(&z_with_b1(&rz), Axis(1));
    let mistakes_y = [
        (&z_2, "softmax fehlt: y_hat = softmax(&z_2, Axis(1))."),
        (
            &sigmoid_out,
            "in der Ausgabeschicht gehört softmax hin, nicht sigmoid (die Zeilen müssen sich zu 1 summieren).",
        ),
        (
            &axis0,
            "softmax über die falsche Achse: Axis(1) normiert jede Zeile (jedes Bild), Axis(0) jede Spalte.",
        ),
        (&no_b1, "der Bias b[1] fehlt in z_2."),
        (&from_z1, "z_2 wird aus z_1 statt aus a_1 berechnet."),
    ];
    if let Some(msg) = diagnose("y_hat", &y_hat, &ry, &mistakes_y) {
        return fail(NAME, &msg);
    }
    pass(
        NAME,
        "richtig! z_1, a_1 und y_hat stimmen, jede Zeile von y_hat summiert sich zu 1.",
    )
}

/// Checks the student's `back_prop` on a small network.
#[allow(clippy::type_complexity)]
pub fn back_prop(
    f: impl Fn(
        &Array2<f64>,
        &Array2<f64>,
        &Array2<f64>,
        &Array2<f64>,
        &Array2<f64>,
        &Weights,
    ) -> (Weights, Biases),
) -> Verdict {
    const NAME: &str = "back_prop";
    let (w, b, x, y) = tiny_network();
    let (z_1, a_1, y_hat) = crate::forward_pass(&w, &b, &x);
    let (gw, gb) = match finished(NAME, run(|| f(&x, &z_1, &a_1, &y_hat, &y, &w))) {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    let (rw, rb) = crate::back_prop(&x, &z_1, &a_1, &y_hat, &y, &w);
    let n = x.nrows() as f64;
    let dz_2 = &y_hat - &y;
    let dz_1_no_deriv = crate::matmul(&dz_2, &w[1]);
    let dz_1_only_a = &dz_1_no_deriv * &a_1;
    let dz_1_no_one_minus = crate::matmul(&dz_1_only_a.t(), &x) / n;
    let dz_1_plain = crate::matmul(&dz_1_no_deriv.t(), &x) / n;
    let mistakes_w1 = [
        (
            &(-&rw[1]),
            "das Vorzeichen ist umgedreht: dZ_2 = y_hat − y (nicht y − y_hat).",
        ),
        (
            &(&rw[1] * n),
            "die Division durch n (Anzahl der Bilder) fehlt.",
        ),
    ];
    if let Some(msg) = diagnose("grad_w[1] (dW_2)", &gw[1], &rw[1], &mistakes_w1) {
        return fail(NAME, &msg);
    }
    let mistakes_b1 = [
        (
            &(-&rb[1]),
            "das Vorzeichen ist umgedreht: dZ_2 = y_hat − y.",
        ),
        (&(&rb[1] * n), "die Division durch n fehlt."),
    ];
    if let Some(msg) = diagnose("grad_b[1] (db_2)", &gb[1], &rb[1], &mistakes_b1) {
        return fail(NAME, &msg);
    }
    let mistakes_w0 = [
        (&(-&rw[0]), "das Vorzeichen ist umgedreht."),
        (
            &(&rw[0] * n),
            "die Division durch n fehlt: dW_1 = dZ_1ᵀ·x / n.",
        ),
        (
            &dz_1_no_one_minus,
            "in dZ_1 fehlt der Faktor (1 − a_1): die Ableitung der Sigmoid-Funktion ist a_1 ⊙ (1 − a_1).",
        ),
        (
            &dz_1_plain,
            "in dZ_1 fehlt die Ableitung der Sigmoid-Funktion a_1 ⊙ (1 − a_1).",
        ),
    ];
    if let Some(msg) = diagnose("grad_w[0] (dW_1)", &gw[0], &rw[0], &mistakes_w0) {
        return fail(NAME, &msg);
    }
    let mistakes_b0 = [(
        &(&rb[0] * n),
        "die Division durch n fehlt: db_1 = Σ dZ_1 / n.",
    )];
    if let Some(msg) = diagnose("grad_b[0] (db_1)", &gb[0], &rb[0], &mistakes_b0) {
        return fail(NAME, &msg);
    }
    pass(
        NAME,
        "richtig! Alle vier Gradienten stimmen mit der Referenz überein.",
    )
}

/// Checks the student's `update` (gradient step).
pub fn update(f: impl Fn(Weights, Biases, &Weights, &Biases, f64) -> (Weights, Biases)) -> Verdict {
    const NAME: &str = "update";
    let (w, b, x, y) = tiny_network();
    let (z_1, a_1, y_hat) = crate::forward_pass(&w, &b, &x);
    let (gw, gb) = crate::back_prop(&x, &z_1, &a_1, &y_hat, &y, &w);
    let lr = 0.25;
    let (nw, nb) = match finished(NAME, run(|| f(w.clone(), b.clone(), &gw, &gb, lr))) {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    let (rw, rb) = crate::update(w.clone(), b.clone(), &gw, &gb, lr);
    for i in 0..2 {
        let plus = &w[i] + &(&gw[i] * lr);
        let fixed = &w[i] - &(&gw[i] * 0.0001);
        let full = &w[i] - &gw[i];
        let mistakes = [
            (&w[i], "unverändert – das Update fehlt."),
            (
                &plus,
                "falsches Vorzeichen: Gewichte werden *gegen* den Gradienten verschoben, W − lr · dW.",
            ),
            (
                &fixed,
                "die Lernrate 0.0001 ist fest eingetragen; nehmen Sie den Parameter lr.",
            ),
            (&full, "die Lernrate fehlt: W − lr · dW."),
        ];
        if let Some(msg) = diagnose(&format!("w[{i}]"), &nw[i], &rw[i], &mistakes) {
            return fail(NAME, &msg);
        }
        let unchanged = b[i].clone();
        let plus_b = &b[i] + &(&gb[i] * lr);
        let mistakes_b = [
            (
                &unchanged,
                "unverändert – auch die Biases werden aktualisiert: b − lr · db.",
            ),
            (&plus_b, "falsches Vorzeichen: b − lr · db."),
        ];
        if let Some(msg) = diagnose(&format!("b[{i}]"), &nb[i], &rb[i], &mistakes_b) {
            return fail(NAME, &msg);
        }
    }
    pass(
        NAME,
        "richtig! Alle Gewichte und Biases gehen einen Schritt lr · Gradient bergab.",
    )
}

/// The lesson's data as the notebook prepares it (scaled, one-hot), loaded
/// again so that checks do not depend on notebook variables.
struct Prepared {
    train_x: Array2<f64>,
    train_y: Array2<f64>,
    train_labels: Array1<usize>,
    test_x: Array2<f64>,
    test_y: Array2<f64>,
    test_labels: Array1<usize>,
}

fn prepared(name: &str) -> Result<Prepared, Verdict> {
    match DataSource::find(&data_dir()).and_then(|s| s.load()) {
        Ok(d) => Ok(Prepared {
            train_x: min_max(&d.train_images),
            train_y: one_hot_with_classes(&d.train_labels, OUTPUT),
            train_labels: d.train_labels,
            test_x: min_max(&d.test_images),
            test_y: one_hot_with_classes(&d.test_labels, OUTPUT),
            test_labels: d.test_labels,
        }),
        Err(e) => Err(fail(
            name,
            &format!("die Daten für den Vergleich ließen sich nicht laden: {e}"),
        )),
    }
}

fn lesson_start() -> (Weights, Biases) {
    crate::init_weights(INPUT, HIDDEN, OUTPUT, &mut NumpyRng::seed(SEED))
}

/// Checks the first classification: weights from seed 1234 with 300 hidden
/// neurons, the forward pass on the training images and the mean loss.
pub fn first_classification(w: &Weights, b: &Biases, y_hat: &Array2<f64>, loss: f64) -> Verdict {
    const NAME: &str = "Erste Klassifizierung";
    let d = match prepared(NAME) {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    if w[0].nrows() != HIDDEN {
        return fail(
            NAME,
            &format!(
                "die versteckte Schicht hat {} Neuronen, verlangt sind 300: init_weights(784, 300, 10, &mut rng).",
                w[0].nrows()
            ),
        );
    }
    let (rw, rb) = lesson_start();
    if !close(&w[0], &rw[0]) || !close(&w[1], &rw[1]) || b != &rb {
        return fail(
            NAME,
            "die Gewichte sind nicht die aus Seed 1234. Erzeugen Sie direkt davor \
             `let mut rng = NumpyRng::seed(1234);` und rufen Sie init_weights genau einmal auf.",
        );
    }
    let (_, _, ry) = crate::forward_pass(&rw, &rb, &d.train_x);
    if y_hat.nrows() == d.test_x.nrows() && y_hat.nrows() != d.train_x.nrows() {
        return fail(
            NAME,
            "y_hat stammt aus den Testbildern; hier sind die train_images der Input.",
        );
    }
    let (_, _, unscaled) = crate::forward_pass(&rw, &rb, &(&d.train_x * 255.0));
    if let Some(msg) = diagnose(
        "y_hat",
        y_hat,
        &ry,
        &[(&unscaled, "die Bilder sind nicht mit min_max skaliert.")],
    ) {
        return fail(NAME, &msg);
    }
    let n = ry.nrows() as f64;
    let expected = crate::calc_loss(&ry, &d.train_y) / n;
    if close_f(loss, expected * n) {
        return fail(
            NAME,
            &format!(
                "der Loss ist nicht durch die Anzahl der Bilder geteilt: {loss:.1} statt {expected:.4}. Teilen Sie durch y_hat.nrows() as f64."
            ),
        );
    }
    if !close_f(loss, expected) {
        return fail(
            NAME,
            &format!(
                "der Loss ist {loss:.6}, erwartet {expected:.6}: calc_loss(&y_hat, &train_targets) / Anzahl der Bilder."
            ),
        );
    }
    pass(
        NAME,
        &format!(
            "richtig! Mittlerer Loss {expected:.4} – so sieht ein noch untrainiertes Netz aus."
        ),
    )
}

/// Checks the weights after one training step (seed 1234, hidden 300, lr 0.1).
pub fn training_step(w: &Weights, b: &Biases) -> Verdict {
    const NAME: &str = "Ein Trainingsschritt";
    let d = match prepared(NAME) {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    let (w0, b0) = lesson_start();
    if w[0].shape() != w0[0].shape() || w[1].shape() != w0[1].shape() {
        return fail(
            NAME,
            &format!(
                "w[0] hat die Form {}, erwartet (300, 784).",
                fmt_shape(w[0].shape())
            ),
        );
    }
    if close(&w[0], &w0[0]) && close(&w[1], &w0[1]) && b == &b0 {
        return fail(
            NAME,
            "die Gewichte sind noch die Startgewichte – Backpropagation und Update fehlen.",
        );
    }
    let (z_1, a_1, y_hat) = crate::forward_pass(&w0, &b0, &d.train_x);
    let (gw, gb) = crate::back_prop(&d.train_x, &z_1, &a_1, &y_hat, &d.train_y, &w0);
    let (rw, _) = crate::update(w0.clone(), b0.clone(), &gw, &gb, 0.1);
    let wrong_lr = crate::update(w0.clone(), b0.clone(), &gw, &gb, 0.0001).0;
    let wrong_sign = crate::update(w0.clone(), b0.clone(), &gw, &gb, -0.1).0;
    let mistakes = [
        (
            &wrong_lr[0],
            "mit der Standard-Lernrate 0.0001 aktualisiert; verlangt ist lr = 0.1.",
        ),
        (
            &wrong_sign[0],
            "die Gewichte wurden in Richtung des Gradienten verschoben (Vorzeichen).",
        ),
    ];
    if let Some(msg) = diagnose("w[0]", &w[0], &rw[0], &mistakes) {
        return fail(NAME, &msg);
    }
    pass(
        NAME,
        "richtig! Die Gewichte haben einen Schritt mit Lernrate 0,1 gemacht.",
    )
}

/// Checks that training went on from the trained weights instead of starting
/// over: `losses_before` are the losses of the previous run, `losses` those of
/// the continued run.
pub fn continued_training(losses_before: &[f64], losses: &[f64]) -> Verdict {
    const NAME: &str = "Weitertrainieren";
    let (Some(&last_before), Some(&first)) = (losses_before.last(), losses.first()) else {
        return fail(
            NAME,
            "es fehlen Loss-Werte – sammeln Sie den Loss jeder Epoche mit losses.push(loss).",
        );
    };
    let start = losses_before[0];
    if (first - start).abs() < (first - last_before).abs() {
        return fail(
            NAME,
            &format!(
                "der erste Loss ({first:.4}) liegt beim Start des ersten Trainings ({start:.4}), nicht bei dessen Ende \
                 ({last_before:.4}): die Gewichte wurden neu initialisiert, das Gelernte ist verloren. \
                 Lassen Sie init_weights weg und trainieren Sie mit w und b weiter."
            ),
        );
    }
    let last = losses.last().copied().unwrap_or(first);
    pass(
        NAME,
        &format!(
            "richtig! Das Training geht dort weiter, wo es aufgehört hat (Loss {first:.4} → {last:.4})."
        ),
    )
}

/// Checks the closing exercise: test loss and test accuracy for every epoch
/// of the run from seed 1234 (hidden 300), with the given learning rate.
pub fn test_metrics(test_losses: &[f64], test_accuracies: &[f64], lr: f64) -> Verdict {
    const NAME: &str = "Übungsaufgabe";
    if test_losses.is_empty() || test_losses.len() != test_accuracies.len() {
        return fail(
            NAME,
            &format!(
                "{} Test-Loss-Werte und {} Test-Accuracy-Werte; erwartet je einer pro Epoche.",
                test_losses.len(),
                test_accuracies.len()
            ),
        );
    }
    let d = match prepared(NAME) {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    let (mut w, mut b) = lesson_start();
    for (epoch, (&loss, &acc)) in test_losses.iter().zip(test_accuracies).enumerate() {
        let (ref_loss, ref_acc) = crate::evaluate(&w, &b, &d.test_x, &d.test_y, &d.test_labels);
        let before = (w.clone(), b.clone());
        // train_epoch's loss and accuracy are those of the weights before its update.
        let (w2, b2, train_loss, train_acc) =
            crate::train_epoch(w, b, &d.train_x, &d.train_y, &d.train_labels, lr);
        (w, b) = (w2, b2);
        let e = epoch + 1;
        // The diagnoses below cost extra passes: computed only for a wrong value.
        if !close_f(loss, ref_loss) {
            let n = d.test_x.nrows() as f64;
            let (after, _) = crate::evaluate(&w, &b, &d.test_x, &d.test_y, &d.test_labels);
            let why = if close_f(loss, ref_loss * n) {
                "nicht durch die Anzahl der Testbilder geteilt".to_string()
            } else if close_f(loss, train_loss) {
                "das ist der Trainings-Loss – nehmen Sie test_images und test_targets".to_string()
            } else if close_f(loss, after) {
                "erst nach dem Update berechnet – berechnen Sie ihn mit denselben Gewichten wie den Trainings-Loss".to_string()
            } else {
                format!("erwartet {ref_loss:.6}")
            };
            return fail(NAME, &format!("Epoche {e}: Test-Loss {loss:.6} – {why}."));
        }
        if !close_f(acc, ref_acc) {
            // The mean probability of the predicted class: what comes out when the
            // accuracy is taken from the probabilities instead of the labels.
            let (_, _, test_y_hat) = crate::forward_pass(&before.0, &before.1, &d.test_x);
            let confidence = test_y_hat
                .rows()
                .into_iter()
                .map(|row| row.fold(0.0f64, |m, &v| m.max(v)))
                .sum::<f64>()
                / test_y_hat.nrows() as f64;
            let why = if close_f(acc, ref_acc * 100.0) {
                "in Prozent statt als Anteil zwischen 0 und 1".to_string()
            } else if close_f(acc, train_acc) {
                "das ist die Trainings-Accuracy".to_string()
            } else if close_f(acc, confidence) {
                "das ist die mittlere Wahrscheinlichkeit der vorhergesagten Klasse, nicht der Anteil \
                 richtig erkannter Bilder – die Accuracy vergleicht die vorhergesagten Labels (argmax) \
                 mit den wahren: accuracy(&test_labels, &test_y_hat)"
                    .to_string()
            } else {
                format!("erwartet {ref_acc:.4}")
            };
            return fail(
                NAME,
                &format!("Epoche {e}: Test-Accuracy {acc:.4} – {why}."),
            );
        }
    }
    pass(
        NAME,
        &format!(
            "richtig! Test-Loss und Test-Accuracy stimmen in allen {} Epochen.",
            test_losses.len()
        ),
    )
}

/// Relative difference, for comparing numbers computed in different ways.
fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-12)
}

/// Checks the student's `numerical_gradient` (lesson 2): the central
/// difference (L(w + h) − L(w − h)) / 2h of the mean loss for one weight.
#[allow(clippy::type_complexity)]
pub fn numerical_gradient(
    f: impl Fn(&Weights, &Biases, &Array2<f64>, &Array2<f64>, usize, usize, usize, f64) -> f64,
) -> Verdict {
    const NAME: &str = "numerical_gradient";
    let (w, b, x, y) = tiny_network();
    let n = x.nrows() as f64;
    let loss = |w: &Weights| {
        let (_, _, y_hat) = crate::forward_pass(w, &b, &x);
        crate::calc_loss(&y_hat, &y) / n
    };
    let shifted = |layer: usize, r: usize, c: usize, h: f64| {
        let mut moved = w.clone();
        moved[layer][[r, c]] += h;
        loss(&moved)
    };
    // At the lesson's h = 1e-5 the one-sided differences agree with the
    // central one to about 1e-5 relative, too close to tell them apart from
    // rounding. At h = 0.5 they differ by far more (the loss is curved
    // there; asserted in the tests), and the central difference is computed
    // the same way as the student's, so the comparison can be tight.
    for (h, tolerance) in [(0.5, 1e-9), (1e-5, 1e-4)] {
        for (layer, r, c) in [(0, 2, 3), (1, 1, 4)] {
            let found = match finished(NAME, run(|| f(&w, &b, &x, &y, layer, r, c, h))) {
                Ok(v) => v,
                Err(verdict) => return verdict,
            };
            let (plus, minus, here) = (shifted(layer, r, c, h), shifted(layer, r, c, -h), loss(&w));
            let expected = (plus - minus) / (2.0 * h);
            if rel(found, expected) < tolerance {
                continue;
            }
            let mistakes = [
                (
                    2.0 * expected,
                    "durch h statt durch 2h geteilt: der Abstand von w − h bis w + h ist 2h.",
                ),
                (
                    -expected,
                    "falsches Vorzeichen: (L(w + h) − L(w − h)) / 2h, nicht umgekehrt.",
                ),
                (
                    expected * n,
                    "die Summe des Loss statt des Mittels: calc_loss(…) durch die Anzahl der Bilder teilen.",
                ),
                (
                    (plus - here) / h,
                    "einseitige Differenz (L(w + h) − L(w)) / h. Gefragt ist die zentrale \
                     (L(w + h) − L(w − h)) / 2h: sie ist viel genauer.",
                ),
                (
                    (here - minus) / h,
                    "einseitige Differenz (L(w) − L(w − h)) / h. Gefragt ist die zentrale \
                     (L(w + h) − L(w − h)) / 2h: sie ist viel genauer.",
                ),
            ];
            let why = mistakes
                .iter()
                .find(|(v, _)| rel(found, *v) < 1e-3)
                .map_or_else(
                    || format!("erwartet {expected:.6e} (mit h = {h})."),
                    |(_, m)| m.to_string(),
                );
            return fail(
                NAME,
                &format!("w[{layer}][[{r}, {c}]] mit h = {h}: gefunden {found:.6e} – {why}"),
            );
        }
    }
    pass(
        NAME,
        "richtig! Die zentrale Differenz stimmt für Gewichte beider Schichten.",
    )
}

/// Checks the student's `minibatch_epoch` (lesson 2) against the crate's
/// [`crate::minibatch_epoch`] with the same random generator.
#[allow(clippy::type_complexity)]
pub fn minibatch_epoch(
    f: impl Fn(
        Weights,
        Biases,
        &Array2<f64>,
        &Array2<f64>,
        usize,
        f64,
        &mut NumpyRng,
    ) -> (Weights, Biases),
) -> Verdict {
    const NAME: &str = "minibatch_epoch";
    let mut rng = NumpyRng::seed(3);
    let (w, b) = crate::init_weights(6, 5, 4, &mut rng);
    let x: Array2<f64> = crate::randn((23, 6), &mut rng);
    let labels = Array1::from_iter((0..23).map(|i| (i * 7) % 4));
    let y = one_hot_with_classes(&labels, 4);
    let (batch, lr) = (5, 0.5);
    let (nw, nb) = match finished(
        NAME,
        run(|| {
            f(
                w.clone(),
                b.clone(),
                &x,
                &y,
                batch,
                lr,
                &mut NumpyRng::seed(11),
            )
        }),
    ) {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    let (rw, rb) = crate::minibatch_epoch(
        w.clone(),
        b.clone(),
        &x,
        &y,
        batch,
        lr,
        &mut NumpyRng::seed(11),
    );
    if close(&nw[0], &rw[0])
        && close(&nw[1], &rw[1])
        && close(&nb[0], &rb[0])
        && close(&nb[1], &rb[1])
    {
        return pass(
            NAME,
            "richtig! Gleiche Reihenfolge, gleiche Batches, gleiche Gewichte wie die Referenz.",
        );
    }
    // The typical mistakes, each computed for comparison.
    let full_step = crate::train_epoch(w.clone(), b.clone(), &x, &y, &labels, lr).0;
    let mut in_order = (w.clone(), b.clone());
    for start in (0..x.nrows()).step_by(batch) {
        let rows: Vec<usize> = (start..(start + batch).min(x.nrows())).collect();
        let (xb, yb) = (x.select(Axis(0), &rows), y.select(Axis(0), &rows));
        let (z_1, a_1, y_hat) = crate::forward_pass(&in_order.0, &in_order.1, &xb);
        let (gw, gb) = crate::back_prop(&xb, &z_1, &a_1, &y_hat, &yb, &in_order.0);
        in_order = crate::update(in_order.0, in_order.1, &gw, &gb, lr);
    }
    let msg = if close(&nw[0], &w[0]) && close(&nw[1], &w[1]) {
        "die Gewichte sind unverändert – wird nach jedem Batch update aufgerufen und das Ergebnis übernommen?"
    } else if close(&nw[0], &full_step[0]) {
        "das ist ein einziger Schritt mit allen Bildern (Full Batch); je Batch gehört ein eigener Schritt dazu."
    } else if close(&nw[0], &in_order.0[0]) {
        "die Bilder wurden nicht gemischt: erst order.shuffle(rng), dann die Batches in dieser Reihenfolge."
    } else {
        "die Gewichte weichen von der Referenz ab: je Batch x.select(Axis(0), batch) und y ebenso, \
         dann forward_pass, back_prop und update mit diesem Batch."
    };
    fail(NAME, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_of_mistakes_are_named_without_a_catalogue() {
        let expected = ndarray::array![[0.5, -1.25], [2.0, 0.125]];
        let told = |found: Array2<f64>| diagnose("dw", &found, &expected, &[]).unwrap();
        assert!(
            told(-&expected).contains("Negative (−1 ×)"),
            "{}",
            told(-&expected)
        );
        assert!(told(&expected * 2.0).contains("Doppelte"));
        assert!(told(&expected * 0.5).contains("Hälfte"));
        assert!(
            told(&expected * 8000.0).contains("8000-Fache"),
            "{}",
            told(&expected * 8000.0)
        );
        assert!(
            told(&expected / 60.0).contains("1/60"),
            "{}",
            told(&expected / 60.0)
        );
        assert!(
            told(&expected * 0.3).contains("0.3000-Fache"),
            "{}",
            told(&expected * 0.3)
        );
        assert!(told(Array2::zeros((2, 2))).contains("überall 0"));
        // not a family: one element wrong
        let mut one_off = expected.clone();
        one_off[[1, 0]] = 7.0;
        let other = told(one_off);
        assert!(
            other.contains("an der Stelle (1, 0)") && !other.contains("überall"),
            "{other}"
        );
        // a catalogued mistake is named first
        let doubled = &expected * 2.0;
        assert!(
            diagnose("dw", &doubled, &expected, &[(&doubled, "Katalog")])
                .unwrap()
                .contains("Katalog")
        );
    }
    use crate::{matmul, sigmoid, softmax};

    fn good_forward(
        w: &Weights,
        b: &Biases,
        x: &Array2<f64>,
    ) -> (Array2<f64>, Array2<f64>, Array2<f64>) {
        crate::forward_pass(w, b, x)
    }

    #[test]
    fn reference_functions_pass_every_check() {
        assert!(init_weights(|i, h, o, rng| crate::init_weights(i, h, o, rng)).passed());
        assert!(forward_pass(good_forward).passed());
        assert!(back_prop(|x, z, a, y_hat, y, w| crate::back_prop(x, z, a, y_hat, y, w)).passed());
        assert!(update(crate::update).passed());
    }

    #[test]
    fn todo_is_reported_with_its_hint_not_as_a_crash() {
        let r = run(|| -> usize { todo!("Zeilen eintragen") });
        assert!(matches!(r, Run::Todo(ref h) if h == "Zeilen eintragen"));
        assert!(!init_weights(|_, _, _, _| todo!("Formen")).passed());
    }

    #[test]
    fn forward_pass_mistakes_are_named() {
        // sigmoid where softmax belongs
        let f = |w: &Weights, b: &Biases, x: &Array2<f64>| {
            let z_1 = matmul(x, &w[0].t()) + &b[0];
            let a_1 = sigmoid(&z_1);
            let y_hat = sigmoid(&(matmul(&a_1, &w[1].t()) + &b[1]));
            (z_1, a_1, y_hat)
        };
        assert!(!forward_pass(f).passed());
        let g = |w: &Weights, b: &Biases, x: &Array2<f64>| {
            let z_1 = matmul(x, &w[0].t()) + &b[0];
            let a_1 = sigmoid(&z_1);
            let y_hat = softmax(&(matmul(&a_1, &w[1].t()) + &b[1]), Axis(0));
            (z_1, a_1, y_hat)
        };
        assert!(!forward_pass(g).passed());
    }

    #[test]
    fn diagnose_names_the_matching_mistake() {
        let right = ndarray::array![[1.0, 2.0]];
        let wrong = ndarray::array![[2.0, 4.0]];
        let msg = diagnose("x", &wrong, &right, &[(&wrong.clone(), "verdoppelt.")]).unwrap();
        assert!(msg.ends_with("verdoppelt."), "{msg}");
        let other = ndarray::array![[1.0, 5.0]];
        let msg = diagnose("x", &other, &right, &[(&wrong, "verdoppelt.")]).unwrap();
        assert!(msg.contains("[0, 1]") || msg.contains("(0, 1)"), "{msg}");
        assert!(diagnose("x", &right.clone(), &right, &[]).is_none());
        let msg = diagnose("x", &right.t().to_owned(), &right, &[]).unwrap();
        assert!(msg.contains("transponiert"), "{msg}");
    }

    #[test]
    fn lesson_two_checks_accept_the_reference_and_name_mistakes() {
        let numeric = |w: &Weights,
                       b: &Biases,
                       x: &Array2<f64>,
                       y: &Array2<f64>,
                       layer: usize,
                       r: usize,
                       c: usize,
                       h: f64| {
            let loss = |w: &Weights| {
                let (_, _, y_hat) = crate::forward_pass(w, b, x);
                crate::calc_loss(&y_hat, y) / x.nrows() as f64
            };
            let (mut plus, mut minus) = (w.clone(), w.clone());
            plus[layer][[r, c]] += h;
            minus[layer][[r, c]] -= h;
            (loss(&plus) - loss(&minus)) / (2.0 * h)
        };
        assert!(numerical_gradient(numeric).passed());
        let halved = |w: &Weights,
                      b: &Biases,
                      x: &Array2<f64>,
                      y: &Array2<f64>,
                      l: usize,
                      r: usize,
                      c: usize,
                      h: f64| { 2.0 * numeric(w, b, x, y, l, r, c, h) };
        assert!(!numerical_gradient(halved).passed());
        assert!(
            minibatch_epoch(|w, b, x, y, n, lr, rng| crate::minibatch_epoch(
                w, b, x, y, n, lr, rng
            ))
            .passed()
        );
        assert!(!minibatch_epoch(|w, b, _, _, _, _, _| (w, b)).passed());
    }

    #[test]
    fn continued_training_detects_restart() {
        assert!(!continued_training(&[2.5, 1.0, 0.6], &[2.5, 1.0]).passed());
        assert!(continued_training(&[2.5, 1.0, 0.6], &[0.59, 0.55]).passed());
    }
}
