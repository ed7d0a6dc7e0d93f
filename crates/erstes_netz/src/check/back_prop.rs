//! Lesson 1, „Backpropagation“: the check of `back_prop`.

use super::*;

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
    // A thin generic shim: the notebook cell compiles only this call, the
    // check below comes compiled with the library.
    check(&f)
}

#[allow(clippy::type_complexity)]
fn check(
    f: &dyn Fn(
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
    // Summed over the neurons (one value per image) instead of over the images.
    for (i, name) in [(1, "grad_b[1] (db_2)"), (0, "grad_b[0] (db_1)")] {
        if gb[i].len() == x.nrows() && rb[i].len() != x.nrows() {
            return fail(
                NAME,
                &format!(
                    "{name} hat die Länge {} (ein Wert je Bild), erwartet {} (ein Wert je Neuron): \
                     die Summe lief über Axis(1). Über die Bilder summiert dz.sum_axis(Axis(0)).",
                    gb[i].len(),
                    rb[i].len()
                ),
            );
        }
    }
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
    if let Some(msg) = diagnose_among(
        "grad_w[1] (dW_2)",
        &gw[1],
        &rw[1],
        &mistakes_w1,
        &[("grad_w[0] (dW_1)", &rw[0])],
    ) {
        return fail(NAME, &msg);
    }
    let mistakes_b1 = [
        (
            &(-&rb[1]),
            "das Vorzeichen ist umgedreht: dZ_2 = y_hat − y.",
        ),
        (&(&rb[1] * n), "die Division durch n fehlt."),
    ];
    if let Some(msg) = diagnose_among(
        "grad_b[1] (db_2)",
        &gb[1],
        &rb[1],
        &mistakes_b1,
        &[("grad_b[0] (db_1)", &rb[0])],
    ) {
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
    if let Some(msg) = diagnose_among(
        "grad_w[0] (dW_1)",
        &gw[0],
        &rw[0],
        &mistakes_w0,
        &[("grad_w[1] (dW_2)", &rw[1])],
    ) {
        return fail(NAME, &msg);
    }
    let mistakes_b0 = [(
        &(&rb[0] * n),
        "die Division durch n fehlt: db_1 = Σ dZ_1 / n.",
    )];
    if let Some(msg) = diagnose_among(
        "grad_b[0] (db_1)",
        &gb[0],
        &rb[0],
        &mistakes_b0,
        &[("grad_b[1] (db_2)", &rb[1])],
    ) {
        return fail(NAME, &msg);
    }
    pass(
        NAME,
        "richtig! Alle vier Gradienten stimmen mit der Referenz überein.",
    )
}
