//! Lesson 1: the check that training went on instead of starting over.

use super::*;

/// Checks that training went on from the trained weights instead of starting
/// over: `losses_before` are the losses of the previous run, `losses` those of
/// the continued run.
pub fn continued_training(losses_before: &[f64], losses: &[f64]) -> Verdict {
    const NAME: &str = "Weitertrainieren";
    let (Some(&last_before), Some(&first)) = (losses_before.last(), losses.first()) else {
        return fail(
            NAME,
            "es fehlen Loss-Werte: Sammeln Sie den Loss jeder Epoche, wie in der Zelle vorgegeben mit losses_weiter.push(loss).",
        );
    };
    let start = losses_before[0];
    if (first - start).abs() < (first - last_before).abs() {
        return fail(
            NAME,
            &format!(
                "der erste Loss ({first:.4}) liegt beim Start des vorigen Trainings ({start:.4}), nicht bei dessen Ende \
                 ({last_before:.4}): die Weights wurden neu initialisiert, das Gelernte ist verloren. \
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
