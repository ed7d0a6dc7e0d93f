//! Lesson 1: the check of the first classification (weights, forward pass, loss).

use super::*;

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
            "die Weights sind nicht die aus dem Seed 1234. Erzeugen Sie direkt davor \
             „let mut rng = NumpyRng::seed(1234);“ und rufen Sie init_weights genau einmal auf.",
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
