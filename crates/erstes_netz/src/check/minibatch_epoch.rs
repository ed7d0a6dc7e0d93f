//! Lesson 2, „Mini-Batch-Gradientenabstieg“: the check of `minibatch_epoch`.

use super::*;

/// Checks the student's `minibatch_epoch` (lesson 2) against the crate's
/// [`crate::minibatch_epoch`] with the same random generator.
#[allow(clippy::type_complexity)]
pub fn minibatch_epoch(
    f: impl Fn(
        Weights,
        Biases,
        &Array2<f64>,
        &Array2<f64>,
        usize,
        f64,
        &mut NumpyRng,
    ) -> (Weights, Biases),
) -> Verdict {
    // A thin generic shim: the notebook cell compiles only this call, the
    // check below comes compiled with the library.
    check(&f)
}

#[allow(clippy::type_complexity)]
fn check(
    f: &dyn Fn(
        Weights,
        Biases,
        &Array2<f64>,
        &Array2<f64>,
        usize,
        f64,
        &mut NumpyRng,
    ) -> (Weights, Biases),
) -> Verdict {
    const NAME: &str = "minibatch_epoch";
    let mut rng = NumpyRng::seed(3);
    let (w, b) = crate::init_weights(6, 5, 4, &mut rng);
    let x: Array2<f64> = crate::randn((23, 6), &mut rng);
    let labels = Array1::from_iter((0..23).map(|i| (i * 7) % 4));
    let y = one_hot_with_classes(&labels, 4);
    let (batch, lr) = (5, 0.5);
    let (nw, nb) = match finished(
        NAME,
        run(|| {
            f(
                w.clone(),
                b.clone(),
                &x,
                &y,
                batch,
                lr,
                &mut NumpyRng::seed(11),
            )
        }),
    ) {
        Ok(v) => v,
        Err(verdict) => return verdict,
    };
    let (rw, rb) = crate::minibatch_epoch(
        w.clone(),
        b.clone(),
        &x,
        &y,
        batch,
        lr,
        &mut NumpyRng::seed(11),
    );
    if close(&nw[0], &rw[0])
        && close(&nw[1], &rw[1])
        && close(&nb[0], &rb[0])
        && close(&nb[1], &rb[1])
    {
        return pass(
            NAME,
            "richtig! Gleiche Reihenfolge, gleiche Batches, gleiche Weights wie die Referenz.",
        );
    }
    // The typical mistakes, each computed for comparison.
    let full_step = crate::train_epoch(w.clone(), b.clone(), &x, &y, &labels, lr).0;
    let mut in_order = (w.clone(), b.clone());
    for start in (0..x.nrows()).step_by(batch) {
        let rows: Vec<usize> = (start..(start + batch).min(x.nrows())).collect();
        let (xb, yb) = (x.select(Axis(0), &rows), y.select(Axis(0), &rows));
        let (z_1, a_1, y_hat) = crate::forward_pass(&in_order.0, &in_order.1, &xb);
        let (gw, gb) = crate::back_prop(&xb, &z_1, &a_1, &y_hat, &yb, &in_order.0);
        in_order = crate::update(in_order.0, in_order.1, &gw, &gb, lr);
    }
    let msg = if close(&nw[0], &w[0]) && close(&nw[1], &w[1]) {
        "die Weights sind unverändert – wird nach jedem Batch update aufgerufen und das Ergebnis übernommen?"
    } else if close(&nw[0], &full_step[0]) {
        "das ist ein einziger Schritt mit allen Bildern (Full Batch); je Batch gehört ein eigener Schritt dazu."
    } else if close(&nw[0], &in_order.0[0]) {
        "die Bilder wurden nicht gemischt: erst order.shuffle(rng), dann die Batches in dieser Reihenfolge."
    } else {
        "die Weights weichen von der Referenz ab: je Batch x.select(Axis(0), batch) und y ebenso, \
         dann forward_pass, back_prop und update mit diesem Batch."
    };
    fail(NAME, msg)
}
