//! Lesson 2, „Gradienten prüfen“: the check of `numerical_gradient`.

use super::*;

/// Relative difference, for comparing numbers computed in different ways.
pub(super) fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-12)
}

/// Checks the student's `numerical_gradient` (lesson 2): the central
/// difference (L(w + h) − L(w − h)) / 2h of the mean loss for one weight.
#[allow(clippy::type_complexity)]
pub fn numerical_gradient(
    f: impl Fn(&Weights, &Biases, &Array2<f64>, &Array2<f64>, usize, usize, usize, f64) -> f64,
) -> Verdict {
    // A thin generic shim: the notebook cell compiles only this call, the
    // check below comes compiled with the library.
    check(&f)
}

#[allow(clippy::type_complexity)]
fn check(
    f: &dyn Fn(&Weights, &Biases, &Array2<f64>, &Array2<f64>, usize, usize, usize, f64) -> f64,
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
        "richtig! Die zentrale Differenz stimmt für Weights beider Schichten.",
    )
}
