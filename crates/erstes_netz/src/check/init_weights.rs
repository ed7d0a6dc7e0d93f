//! Lesson 1, „Initialisierung der Weights“: the check of `init_weights`.

use super::*;

/// Checks the student's `init_weights` (shapes, scaling, zero biases, and the
/// exact numbers of numpy's `np.random.seed(1234)`).
pub fn init_weights(
    f: impl Fn(usize, usize, usize, &mut NumpyRng) -> (Weights, Biases),
) -> Verdict {
    // A thin generic shim: the notebook cell compiles only this call, the
    // check below comes compiled with the library.
    check(&f)
}

#[allow(clippy::type_complexity)]
fn check(f: &dyn Fn(usize, usize, usize, &mut NumpyRng) -> (Weights, Biases)) -> Verdict {
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
            let other = 1 - i;
            return fail(
                NAME,
                &format!(
                    "w[{i}] hat die Form {}, erwartet {}{}",
                    fmt_shape(w[i].shape()),
                    fmt_shape(rw[i].shape()),
                    if w[i].shape() == rw[other].shape() {
                        format!(
                            " – das ist die Form von w[{other}]. Sind die beiden Matrizen in der \
                             Rückgabe vertauscht? Zurück kommt ([w_0, w_1], [b_0, b_1])."
                        )
                    } else if swapped {
                        " – transponiert? randn bekommt (Zeilen, Spalten) = (Größe der nächsten Schicht, Größe dieser Schicht).".into()
                    } else {
                        ".".into()
                    }
                ),
            );
        }
        if b[i].len() != rb[i].len() {
            return fail(
                NAME,
                &format!(
                    "b[{i}] hat die Form {}, erwartet {}: ein Bias pro Neuron der Schicht, also so viele wie w[{i}] Zeilen hat.",
                    fmt_shape(b[i].shape()),
                    fmt_shape(rb[i].shape())
                ),
            );
        }
        if b[i].iter().any(|&v| v != 0.0) {
            return fail(
                NAME,
                &format!("b[{i}] soll nur Nullen enthalten (Array1::zeros)."),
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
            "w[1] wurde vor w[0] gezogen; ziehen Sie wie die Lektion zuerst w[0], dann w[1] (sonst stimmen die Zufallszahlen nicht).",
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
