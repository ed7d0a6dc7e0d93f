//! Lesson 1, „Alles zusammenfügen“: the check of one training step.

use super::*;

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
            "die Weights sind noch die Start-Weights – Backpropagation und Update fehlen.",
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
            "mit der Lernrate 0,0001 aktualisiert; verlangt ist die Lernrate 0,1 (im Code 0.1).",
        ),
        (
            &wrong_sign[0],
            "die Weights wurden in Richtung des Gradienten verschoben (Vorzeichen).",
        ),
    ];
    if let Some(msg) = diagnose("w[0]", &w[0], &rw[0], &mistakes) {
        return fail(NAME, &msg);
    }
    pass(
        NAME,
        "richtig! Die Weights haben einen Schritt mit Lernrate 0,1 gemacht.",
    )
}
