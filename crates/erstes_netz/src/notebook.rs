//! Helpers for running the lesson in a Jupyter notebook (evcxr kernel).

use crate::DataSource;

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(ohne Meldung)".into())
}

/// Shows the value of a cell's last expression in one compile instead of two.
///
/// evcxr first compiles a cell ending in an expression `e` as
/// `(e).evcxr_display();` and, when that method does not exist, compiles the
/// cell a second time with `{:?}` formatting – about 0.4 s more per cell.
/// With this trait in scope (`use erstes_netz::notebook::Anzeige as _;` in the
/// notebook's first cell) every `Debug` value has that method and is shown
/// exactly as evcxr's fallback would show it. Types with their own
/// `evcxr_display` (figures, check verdicts) keep theirs: inherent methods
/// come first.
///
/// ```
/// use erstes_netz::notebook::Anzeige as _;
/// vec![1, 2].evcxr_display(); // prints the text/plain block evcxr reads
/// ```
pub trait Anzeige {
    /// Prints the value as evcxr's `text/plain` content (its `Debug` form).
    fn evcxr_display(&self);
}

impl<T: std::fmt::Debug + ?Sized> Anzeige for T {
    fn evcxr_display(&self) {
        use std::io::Write;
        // One locked write, as evcxr's own fallback does, so that output of
        // other threads cannot land inside the block.
        let text = format!("EVCXR_BEGIN_CONTENT text/plain\n{self:?}\nEVCXR_END_CONTENT\n");
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
}

/// Prepares the kernel for the lesson: a panic prints a short German note
/// instead of a Rust backtrace (evcxr always asks for backtraces), and freed
/// arrays are kept for reuse ([`crate::keep_freed_memory`]) so that a
/// training loop in the notebook runs as fast as the command line.
///
/// An open `todo!("…")` prints its hint; any other panic its message. Both
/// keep the words "panicked at" so that tools scanning notebook outputs for
/// panics still find them. Variables from earlier cells survive a panic.
pub fn setup() {
    crate::keep_freed_memory();
    std::panic::set_hook(Box::new(|info| {
        let msg = panic_message(info.payload());
        // Code of a notebook cell lives in evcxr's generated src/lib.rs, whose
        // line numbers mean nothing to the student: quote the line instead.
        let place = match info.location() {
            Some(l) if l.file() != "src/lib.rs" => format!("{}:{}", l.file(), l.line()),
            _ => "Zelle".to_string(),
        };
        match msg.strip_prefix("not yet implemented") {
            Some(hint) => {
                let hint = hint.trim_start_matches(':').trim();
                println!(
                    "✏️ Hier ist noch eine Lücke offen: {hint}\n   Ersetzen Sie todo!(…) durch Ihren Code. \
                     (Rust: panicked at {place}: not yet implemented: {hint})"
                );
            }
            None => {
                let in_line = info
                    .location()
                    .and_then(|l| crate::check::panics::cell_line(l.file(), l.line()))
                    .map_or(String::new(), |line| format!(" in der Zeile `{line}`"));
                println!(
                    "❌ Die Zelle wurde{in_line} abgebrochen: {}\n   Variablen aus früheren Zellen bleiben erhalten. \
                     (Rust: panicked at {place})",
                    crate::check::panics::german(&msg)
                );
            }
        }
    }));
}

/// Compares a number the notebook computed with the number its text states.
///
/// The lessons' texts quote numbers measured on the bundled data (MNIST
/// digits, Fashion-MNIST pictures); on other data (the full sets) the check
/// only reports the value. Prints a ✅ line when
/// they agree within `tolerance`.
///
/// # Panics
/// If they do not agree on the bundled data: text and code have drifted apart
/// (German message naming both numbers).
#[track_caller]
pub fn text_number(source: &DataSource, what: &str, measured: f64, stated: f64, tolerance: f64) {
    let shown = |v: f64| format!("{v}").replace('.', ",");
    if !matches!(
        source,
        DataSource::Bundled { .. } | DataSource::BundledFashion { .. }
    ) {
        println!(
            "ℹ️ {what}: {} (der Text nennt {} für die mitgelieferten Ziffern; Sie arbeiten mit {})",
            shown(measured),
            shown(stated),
            source.name()
        );
        return;
    }
    assert!(
        (measured - stated).abs() <= tolerance,
        "{what}: der Text nennt {}, das Notebook rechnet {} (Toleranz {}) – Text und Code passen nicht mehr zusammen.",
        shown(stated),
        shown(measured),
        shown(tolerance)
    );
    println!("✅ {what}: {} wie im Text", shown(stated));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn bundled() -> DataSource {
        DataSource::Bundled {
            train: PathBuf::from("a"),
            test: PathBuf::from("b"),
        }
    }

    #[test]
    fn text_number_accepts_within_tolerance() {
        text_number(&bundled(), "Accuracy", 10.38, 10.4, 0.05);
    }

    #[test]
    #[should_panic(expected = "der Text nennt 10,4, das Notebook rechnet 12,1")]
    fn text_number_detects_drift() {
        text_number(&bundled(), "Accuracy", 12.1, 10.4, 0.05);
    }

    #[test]
    fn text_number_only_reports_on_other_data() {
        let full = DataSource::FullCsv {
            train: PathBuf::from("a"),
            test: PathBuf::from("b"),
        };
        text_number(&full, "Accuracy", 85.0, 10.4, 0.05);
    }
}
