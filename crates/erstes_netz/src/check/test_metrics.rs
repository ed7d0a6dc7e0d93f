//! Lesson 1, „Übungsaufgabe“: the check of test loss and accuracy per epoch.

use super::*;

/// The closing exercise's test curve on the bundled digits at learning rate
/// [`KNOWN_LR`], written by `scripts/make_test_curve.py` (the release command
/// line's run) and checked against a live run by this module's tests. A
/// correct run is confirmed against it without training the reference again:
/// the check cell took about 2.1 s in lesson 1, nearly all of it the 25
/// reference epochs. Anything that does not match takes the full path below,
/// so every diagnosis stays as it was.
const KNOWN_CURVE: &str = include_str!("test_curve_mnist_bundled.csv");
const KNOWN_LR: f64 = 0.3;

/// (test loss, test accuracy) per epoch from [`KNOWN_CURVE`]; empty if a line
/// does not parse (then every check trains its reference, as before).
fn known_curve() -> Vec<(f64, f64)> {
    let mut curve = Vec::new();
    for line in KNOWN_CURVE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("epoch"))
    {
        let fields: Vec<&str> = line.split(',').collect();
        match (fields.as_slice(), curve.len() + 1) {
            ([epoch, loss, acc], expected) if epoch.parse() == Ok(expected) => {
                match (loss.parse(), acc.parse()) {
                    (Ok(loss), Ok(acc)) => curve.push((loss, acc)),
                    _ => return Vec::new(),
                }
            }
            _ => return Vec::new(),
        }
    }
    curve
}

/// Whether a run at `lr` on the lesson's data matches the known curve in every epoch.
fn matches_known_curve(test_losses: &[f64], test_accuracies: &[f64], lr: f64) -> bool {
    if lr != KNOWN_LR
        || !matches!(
            DataSource::find(&data_dir()),
            Ok(DataSource::Bundled { .. })
        )
    {
        return false;
    }
    let curve = known_curve();
    curve.len() >= test_losses.len()
        && test_losses.iter().zip(test_accuracies).zip(&curve).all(
            |((&loss, &acc), &(known_loss, known_acc))| {
                close_f(loss, known_loss) && close_f(acc, known_acc)
            },
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
                "{} Test-Loss-Werte und {} Test-Accuracy-Werte; erwartet: einer pro Epoche.",
                test_losses.len(),
                test_accuracies.len()
            ),
        );
    }
    let all_right = || {
        pass(
            NAME,
            &format!(
                "richtig! Test-Loss und Test-Accuracy stimmen in allen {} Epochen.",
                test_losses.len()
            ),
        )
    };
    if matches_known_curve(test_losses, test_accuracies, lr) {
        return all_right();
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
                "das ist der Trainings-Loss; nehmen Sie test_images und test_targets".to_string()
            } else if close_f(loss, after) {
                "erst nach dem Update berechnet; nehmen Sie dieselben Weights wie für den Trainings-Loss".to_string()
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
    all_right()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The curve the check trusts is what the check itself would compute.
    #[test]
    fn known_test_curve_is_a_live_run() {
        let curve = known_curve();
        assert_eq!(curve.len(), 30, "{KNOWN_CURVE}");
        // the bundled digits even where data/ also holds the full MNIST
        let bundled = DataSource::Bundled {
            train: data_dir().join(crate::data::BUNDLED_TRAIN),
            test: data_dir().join(crate::data::BUNDLED_TEST),
        };
        let d = Prepared::from(bundled.load().expect("bundled digits"));
        let (mut w, mut b) = lesson_start();
        for (epoch, &(known_loss, known_acc)) in curve.iter().enumerate() {
            let (loss, acc) = crate::evaluate(&w, &b, &d.test_x, &d.test_y, &d.test_labels);
            let relative = (loss - known_loss).abs() / known_loss.abs();
            assert!(
                relative < 1e-12,
                "epoch {}: {loss} against {known_loss}",
                epoch + 1
            );
            assert_eq!(acc, known_acc, "epoch {}", epoch + 1);
            (w, b, _, _) =
                crate::train_epoch(w, b, &d.train_x, &d.train_y, &d.train_labels, KNOWN_LR);
        }
    }

    #[test]
    fn only_a_matching_run_at_the_known_rate_takes_the_short_way() {
        let curve = known_curve();
        let (losses, accs): (Vec<f64>, Vec<f64>) = curve[..25].iter().copied().unzip();
        let on_bundled = matches!(
            DataSource::find(&data_dir()),
            Ok(DataSource::Bundled { .. })
        );
        assert_eq!(matches_known_curve(&losses, &accs, 0.3), on_bundled);
        assert!(!matches_known_curve(&losses, &accs, 0.1));
        let mut off = losses.clone();
        off[24] *= 1.0 + 1e-6;
        assert!(!matches_known_curve(&off, &accs, 0.3));
        let longer: Vec<f64> = losses.iter().chain(&losses).copied().collect();
        assert!(!matches_known_curve(&longer, &longer, 0.3));
        assert!(!matches_known_curve(&[f64::NAN], &[0.1], 0.3));
    }
}
