//! Lesson 1, „Übungsaufgabe“: the check of test loss and accuracy per epoch.

use super::*;

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
    pass(
        NAME,
        &format!(
            "richtig! Test-Loss und Test-Accuracy stimmen in allen {} Epochen.",
            test_losses.len()
        ),
    )
}
