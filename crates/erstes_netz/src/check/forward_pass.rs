//! Lesson 1, „Forward Pass“: the check of `forward_pass`.

use super::*;

/// Checks the student's `forward_pass` on a small network.
#[allow(clippy::type_complexity)]
pub fn forward_pass(
    f: impl Fn(&Weights, &Biases, &Array2<f64>) -> (Array2<f64>, Array2<f64>, Array2<f64>),
) -> Verdict {
    // A thin generic shim: the notebook cell compiles only this call, the
    // check below comes compiled with the library.
    check(&f)
}

#[allow(clippy::type_complexity)]
fn check(
    f: &dyn Fn(&Weights, &Biases, &Array2<f64>) -> (Array2<f64>, Array2<f64>, Array2<f64>),
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
    if let Some(msg) = diagnose_among(
        "z_1",
        &z_1,
        &rz,
        &mistakes_z,
        &[("a_1", &ra), ("y_hat", &ry)],
    ) {
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
    if let Some(msg) = diagnose_among(
        "a_1",
        &a_1,
        &ra,
        &mistakes_a,
        &[("z_1", &rz), ("y_hat", &ry)],
    ) {
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
            "in der Ausgabeschicht gehört softmax hin, nicht sigmoid (jede Zeile muss zusammen 1 ergeben).",
        ),
        (
            &axis0,
            "softmax über die falsche Achse: Axis(1) normiert jede Zeile (jedes Bild), Axis(0) jede Spalte.",
        ),
        (&no_b1, "der Bias b[1] fehlt in z_2."),
        (&from_z1, "z_2 wird aus z_1 statt aus a_1 berechnet."),
    ];
    if let Some(msg) = diagnose_among(
        "y_hat",
        &y_hat,
        &ry,
        &mistakes_y,
        &[("z_1", &rz), ("a_1", &ra)],
    ) {
        return fail(NAME, &msg);
    }
    pass(
        NAME,
        "richtig! z_1, a_1 und y_hat stimmen, jede Zeile von y_hat ergibt zusammen 1.",
    )
}
