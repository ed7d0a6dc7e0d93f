//! Running a student's function under a check, and the verdict a check cell shows.

use super::*;

/// Outcome of running student code under a check.
pub(super) enum Run<T> {
    Done(T),
    Todo(String),
    /// The panic message, and the line of the student's cell where it
    /// happened when that can be known ([`panics::cell_line`]).
    Panicked(String, Option<String>),
}

/// Runs `f`, catching a panic without printing a backtrace.
pub(super) fn run<T>(f: impl FnOnce() -> T) -> Run<T> {
    let place = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = std::sync::Arc::clone(&place);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let (Some(l), Ok(mut seen)) = (info.location(), seen.lock()) {
            *seen = Some((l.file().to_string(), l.line()));
        }
    }));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    match result {
        Ok(v) => Run::Done(v),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(unbekannter Abbruch)".into());
            match msg.strip_prefix("not yet implemented") {
                Some(rest) => Run::Todo(rest.trim_start_matches(':').trim().to_string()),
                None => {
                    let line = place
                        .lock()
                        .ok()
                        .and_then(|p| p.clone())
                        .and_then(|(file, line)| panics::cell_line(&file, line));
                    Run::Panicked(msg, line)
                }
            }
        }
    }
}

pub(super) fn pass(name: &str, msg: &str) -> Verdict {
    Verdict::shown(true, format!("✅ {name}: {msg}"))
}

pub(super) fn fail(name: &str, msg: &str) -> Verdict {
    Verdict::shown(false, format!("❌ {name}: {msg}"))
}

/// The outcome of a check, shown below the check cell: a short note for the
/// student (HTML) and the points for nbgrader (plain text "1" or "0", which
/// nbgrader reads as the cell's partial credit).
///
/// It is the cell's value, so a check cell ends without a semicolon. (The
/// points cannot travel on stderr: evcxr drops stderr lines now and then.)
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a check cell shows its verdict: end the cell without a semicolon"]
pub struct Verdict {
    passed: bool,
    message: String,
}

impl Verdict {
    /// Prints the feedback line (it appears above the verdict) and keeps it.
    fn shown(passed: bool, message: String) -> Verdict {
        println!("{message}");
        progress::record(&message);
        Verdict { passed, message }
    }

    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        self.passed
    }

    /// The German feedback line, starting with ✅, ❌ or ✏️.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Shows the verdict in a Jupyter notebook running the evcxr kernel.
    pub fn evcxr_display(&self) {
        // evcxr_jupyter sends printed lines from a thread of their own, and the
        // cell's result as soon as the cell ends (after a 1 ms pause, core.rs).
        // Under load the feedback line printed just before could follow the
        // result and the kernel's "idle", and headless runs (nbclient, nbgrader)
        // then lost it: seen once in a CI run, the check cell showed "0" without
        // its ✏️ line. A short pause lets the line go out first.
        use std::io::Write;
        let _ = std::io::stdout().flush();
        std::thread::sleep(std::time::Duration::from_millis(25));
        let (color, text) = if self.passed {
            ("#1a7f37", "✅ Prüfung bestanden")
        } else {
            ("#cf222e", "❌ Prüfung noch nicht bestanden")
        };
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n<b style=\"color:{color}\">{text}</b>\nEVCXR_END_CONTENT"
        );
        println!(
            "EVCXR_BEGIN_CONTENT text/plain\n{}\nEVCXR_END_CONTENT",
            u8::from(self.passed)
        );
    }
}

/// Unwraps a run; an open `todo!` or a panic becomes the (failed) verdict.
pub(super) fn finished<T>(name: &str, r: Run<T>) -> Result<T, Verdict> {
    match r {
        Run::Done(v) => Ok(v),
        Run::Todo(hint) => {
            let hint = if hint.is_empty() {
                String::new()
            } else {
                format!(" ({hint})")
            };
            Err(Verdict::shown(
                false,
                format!(
                    "✏️ {name}: noch nicht fertig. Eine Lücke mit todo!() ist offen{hint}. \
                     Füllen Sie sie aus und führen Sie erst die Zelle mit der Funktion, dann diese Zelle erneut aus."
                ),
            ))
        }
        Run::Panicked(msg, line) => {
            let place = line.map_or(String::new(), |l| format!(" in der Zeile `{l}`"));
            Err(fail(
                name,
                &format!(
                    "Ihre Funktion ist{place} abgebrochen: {}",
                    panics::german(&msg)
                ),
            ))
        }
    }
}
