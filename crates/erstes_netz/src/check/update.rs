//! Lesson 1, „Weights updaten“: the check of `update`.

use super::*;

/// Checks the student's `update` (gradient step).
pub fn update(f: impl Fn(Weights, Biases, &Weights, &Biases, f64) -> (Weights, Biases)) -> Verdict {
    // A thin generic shim: the notebook cell compiles only this call, the
    // check below comes compiled with the library.
    check(&f)
}

#[allow(clippy::type_complexity)]
fn check(f: &dyn Fn(Weights, Biases, &Weights, &Biases, f64) -> (Weights, Biases)) -> Verdict {
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
                "falsches Vorzeichen: Weights werden entgegen dem Gradienten verschoben, W − lr · dW.",
            ),
            (
                &fixed,
                "die Lernrate ist fest als 0,0001 eingetragen; nehmen Sie den Parameter lr.",
            ),
            (&full, "die Lernrate fehlt: W − lr · dW."),
        ];
        let other_w = format!("w[{}]", 1 - i);
        if let Some(msg) = diagnose_among(
            &format!("w[{i}]"),
            &nw[i],
            &rw[i],
            &mistakes,
            &[(&other_w, &rw[1 - i])],
        ) {
            // A wrong step size is clearer said of the step than of the weights.
            let catalogued = mistakes.iter().any(|(m, _)| close(&nw[i], m));
            if nw[i].shape() == w[i].shape()
                && !catalogued
                && let Some(f) = family(&(&nw[i] - &w[i]), &(&rw[i] - &w[i]))
            {
                return fail(
                    NAME,
                    &format!("w[{i}] weicht ab: der Schritt (neu − alt) ist {f}"),
                );
            }
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
        let other_b = format!("b[{}]", 1 - i);
        if let Some(msg) = diagnose_among(
            &format!("b[{i}]"),
            &nb[i],
            &rb[i],
            &mistakes_b,
            &[(&other_b, &rb[1 - i])],
        ) {
            return fail(NAME, &msg);
        }
    }
    pass(
        NAME,
        "richtig! Alle Weights und Biases gehen einen Schritt lr · Gradient bergab.",
    )
}
