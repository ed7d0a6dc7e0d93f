//! The shared diagnosis: compares a result with the right one and names the
//! catalogued mistake or the family of mistakes it belongs to.

use super::*;

/// Whether two arrays have the same shape and agree to a relative tolerance.
pub(super) fn close<D: Dimension>(a: &ArrayRef<f64, D>, b: &ArrayRef<f64, D>) -> bool {
    a.shape() == b.shape()
        && a.iter()
            .zip(b.iter())
            .all(|(&x, &y)| (x - y).abs() <= TOL * x.abs().max(y.abs()).max(1.0))
}

pub(super) fn close_f(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOL * a.abs().max(b.abs()).max(1.0)
}

/// Where and by how much `found` differs from `expected` (same shape).
pub(super) fn first_difference<D: Dimension>(
    found: &ArrayRef<f64, D>,
    expected: &ArrayRef<f64, D>,
) -> String {
    let position = found
        .indexed_iter()
        .zip(expected.iter())
        .map(|((idx, &x), &y)| (idx, x, y))
        .find(|&(_, x, y)| !close_f(x, y));
    match position {
        Some((idx, x, y)) => format!("an der Stelle {idx:?} erwartet {y:.6}, gefunden {x:.6}"),
        None => "keine Abweichung".into(),
    }
}

/// Compares `found` with the correct result and with the results of typical
/// mistakes; names the mistake it matches, or says where it differs.
pub(super) fn diagnose<D: Dimension>(
    what: &str,
    found: &ArrayRef<f64, D>,
    expected: &ArrayRef<f64, D>,
    mistakes: &[(&ndarray::Array<f64, D>, &str)],
) -> Option<String> {
    diagnose_among(what, found, expected, mistakes, &[])
}

/// [`diagnose`], and also tells when `found` is another quantity of the
/// lesson (`others`: its name and its right value), in value or in shape: the
/// family of swapped return values, the other layer's gradient, the wrong
/// variable returned.
pub(super) fn diagnose_among<D: Dimension>(
    what: &str,
    found: &ArrayRef<f64, D>,
    expected: &ArrayRef<f64, D>,
    mistakes: &[(&ndarray::Array<f64, D>, &str)],
    others: &[(&str, &ndarray::Array<f64, D>)],
) -> Option<String> {
    if close(found, expected) {
        return None;
    }
    if found.shape() != expected.shape() {
        let transposed = found.ndim() == 2
            && found.shape()[0] == expected.shape()[1]
            && found.shape()[1] == expected.shape()[0];
        let like_other = others.iter().find(|(_, o)| o.shape() == found.shape());
        return Some(format!(
            "{what} hat die Form {}, erwartet {}{}",
            fmt_shape(found.shape()),
            fmt_shape(expected.shape()),
            match like_other {
                Some((name, _)) => format!(
                    " – das ist die Form von {name}. Sind {what} und {name} vertauscht, etwa in \
                     der Reihenfolge der Rückgabe?"
                ),
                None if transposed => " – Zeilen und Spalten vertauscht (transponiert)?".into(),
                None => ".".into(),
            }
        ));
    }
    if found.iter().any(|v| !v.is_finite()) {
        return Some(format!("{what} enthält NaN oder unendliche Werte."));
    }
    for (candidate, message) in mistakes {
        if close(found, candidate) {
            return Some(format!("{what} weicht ab: {message}"));
        }
    }
    if let Some((name, _)) = others.iter().find(|(_, o)| close(found, o)) {
        return Some(format!(
            "{what} enthält genau die Werte von {name}. Sind die beiden vertauscht (Reihenfolge \
             der Rückgabe) oder wurde die falsche Variable zurückgegeben?"
        ));
    }
    if let Some(family) = family(found, expected) {
        return Some(format!("{what} weicht ab: {family}"));
    }
    Some(format!(
        "{what} weicht ab: {}.",
        first_difference(found, expected)
    ))
}

/// Mistakes that are no catalogued case but a whole family: a result that
/// is all zeros, normalised along the other axis, other random numbers of
/// the same distribution, or everywhere the same multiple of the expected one.
pub(super) fn family<D: Dimension>(
    found: &ArrayRef<f64, D>,
    expected: &ArrayRef<f64, D>,
) -> Option<String> {
    let expected_norm: f64 = expected.iter().map(|e| e * e).sum();
    if expected_norm == 0.0 {
        return None;
    }
    if found.iter().all(|&v| v == 0.0) {
        return Some(
            "überall 0. Wurde das Ergebnis mit zeros angelegt und nicht gefüllt, oder ein \
             anderes Array zurückgegeben als das berechnete?"
                .into(),
        );
    }
    if let Some(axis) = normalised_along_the_other_axis(found, expected) {
        return Some(axis);
    }
    if other_random_numbers(found, expected) {
        return Some(
            "dieselbe Verteilung und Größenordnung wie die richtigen Werte, aber andere Zahlen: \
             andere Zufallszahlen. Meist ein anderer Seed, ein anderer Generator als NumpyRng, \
             oder der Generator wurde vorher schon für etwas anderes benutzt (jeder Zug \
             verändert ihn)."
                .into(),
        );
    }
    // The factor c that fits best (least squares); a family only if it fits everywhere.
    let c = found
        .iter()
        .zip(expected.iter())
        .map(|(f, e)| f * e)
        .sum::<f64>()
        / expected_norm;
    let scaled = expected.mapv(|e| c * e);
    if !close(found, &scaled) || (c - 1.0).abs() < 1e-6 {
        return None;
    }
    let near = |v: f64| (c - v).abs() <= 1e-6 * v.abs().max(1.0);
    let whole = c.round();
    Some(if near(-1.0) {
        "überall das Negative (−1 ×) des richtigen Werts: ein Vorzeichen ist vertauscht, etwa \
         y − y_hat statt y_hat − y, oder + statt − im Update."
            .into()
    } else if near(2.0) {
        "überall das Doppelte des richtigen Werts: ein Faktor 2 zu viel (etwa durch h statt 2h \
         geteilt) oder ein Term doppelt addiert."
            .into()
    } else if near(0.5) {
        "überall die Hälfte des richtigen Werts: ein Faktor 2 fehlt oder wurde zu viel geteilt."
            .into()
    } else if whole.abs() >= 3.0 && near(whole) {
        format!(
            "überall das {whole}-Fache des richtigen Werts. Meist fehlt eine Division, z. B. \
             durch die Anzahl der Bilder n (Summe statt Mittel)."
        )
    } else if (1.0 / c).round().abs() >= 3.0 && near(1.0 / (1.0 / c).round()) {
        format!(
            "überall 1/{} des richtigen Werts. Meist wurde einmal zu oft geteilt, z. B. durch \
             die Anzahl der Bilder n.",
            (1.0 / c).round()
        )
    } else {
        format!(
            "überall das {c:.4}-Fache des richtigen Werts: ein konstanter Faktor ist falsch, \
             etwa die Lernrate, ein Teiler oder ein Vorzeichen."
        )
    })
}

/// A 2-D result whose rows should each add up to 1 (like softmax per image)
/// but whose columns do: normalised along `Axis(0)` instead of `Axis(1)`.
/// (And the other way round.)
fn normalised_along_the_other_axis<D: Dimension>(
    found: &ArrayRef<f64, D>,
    expected: &ArrayRef<f64, D>,
) -> Option<String> {
    let (Some(found), Some(expected)) = (
        found.view().into_dimensionality::<ndarray::Ix2>().ok(),
        expected.view().into_dimensionality::<ndarray::Ix2>().ok(),
    ) else {
        return None;
    };
    if found.nrows() < 2 || found.ncols() < 2 {
        return None;
    }
    let ones = |a: &Array1<f64>| a.iter().all(|&s| (s - 1.0).abs() < 1e-9);
    let rows = |a: &ndarray::ArrayView2<f64>| a.sum_axis(Axis(1));
    let cols = |a: &ndarray::ArrayView2<f64>| a.sum_axis(Axis(0));
    if ones(&rows(&expected)) && ones(&cols(&found)) && !ones(&rows(&found)) {
        Some(
            "jede Spalte ergibt zusammen 1, verlangt ist: jede Zeile (jedes Bild). Die Normierung \
             lief über Axis(0) statt über Axis(1)."
                .into(),
        )
    } else if ones(&cols(&expected)) && ones(&rows(&found)) && !ones(&cols(&found)) {
        Some(
            "jede Zeile ergibt zusammen 1, verlangt ist: jede Spalte. Die Normierung lief über \
             Axis(1) statt über Axis(0)."
                .into(),
        )
    } else {
        None
    }
}

/// Whether `found` looks like another draw of the same random numbers: same
/// mean and spread, but uncorrelated with the expected values. Needs enough
/// values for the statistics to mean something.
fn other_random_numbers<D: Dimension>(
    found: &ArrayRef<f64, D>,
    expected: &ArrayRef<f64, D>,
) -> bool {
    let n = expected.len();
    if n < 50 {
        return false;
    }
    let stats = |a: &ArrayRef<f64, D>| {
        let mean = a.iter().sum::<f64>() / n as f64;
        let var = a.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        (mean, var.sqrt())
    };
    let ((mf, sf), (me, se)) = (stats(found), stats(expected));
    if se == 0.0 || sf == 0.0 {
        return false;
    }
    let corr = found
        .iter()
        .zip(expected.iter())
        .map(|(f, e)| (f - mf) * (e - me))
        .sum::<f64>()
        / (n as f64 * sf * se);
    // Four standard errors: a real other draw passes, a computation that is
    // merely a bit off (strongly correlated) does not.
    let se_mean = se / (n as f64).sqrt();
    (sf / se - 1.0).abs() < 0.1 + 4.0 / (n as f64).sqrt()
        && (mf - me).abs() < 4.0 * se_mean + 1e-12
        && corr.abs() < 4.0 / (n as f64).sqrt() + 0.05
}
