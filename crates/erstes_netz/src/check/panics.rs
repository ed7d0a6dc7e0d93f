//! Panics of a student's function, told in German with what they usually
//! mean in this lesson. The Rust runtime and ndarray panic in English
//! ("index out of bounds: the len is 0 but the index is 3"); a check shows
//! that text only next to a German explanation, never alone.

/// The German explanation of a panic message, followed by the original text.
pub(crate) fn german(msg: &str) -> String {
    let msg = msg.trim();
    let explained = explain(msg);
    match explained {
        Some(text) => format!("{text} (Rust meldet: „{msg}“)"),
        None if looks_german(msg) => msg.to_string(),
        None => format!("unerwarteter Abbruch (Rust meldet: „{msg}“)"),
    }
}

/// The line of the student's notebook cell that a panic location points to,
/// as the student wrote it (trimmed, at most 90 characters).
///
/// evcxr writes every cell, together with the functions of earlier cells,
/// to `src/lib.rs` of one build folder and loads the result as
/// `…/target/…/libcode_N.so`. While a cell runs, that file holds exactly the
/// code that is running, so the location `src/lib.rs:L` of a panic in the
/// student's code (directly, or through a `#[track_caller]` function such as
/// `+`, `matmul` or an index into a `Vec`) is line L of it. The number itself
/// means nothing to the student: the file also holds evcxr's own code.
///
/// `None` outside evcxr, for locations in library code (ndarray's `.dot`
/// and `[[i, j]]` report their own file), and where `/proc/self/maps` does
/// not exist (macOS, Windows).
pub(crate) fn cell_line(file: &str, line: u32) -> Option<String> {
    if file != "src/lib.rs" {
        return None;
    }
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let library = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|path| path.contains("/target/") && path.contains("/libcode_"))?;
    let folder = &library[..library.find("/target/")?];
    let source = std::fs::read_to_string(format!("{folder}/src/lib.rs")).ok()?;
    source_line(&source, line)
}

/// Line `line` (counted from 1) of `source`, trimmed; `None` for an empty
/// line or one of evcxr's own.
fn source_line(source: &str, line: u32) -> Option<String> {
    let text = source.lines().nth(line.checked_sub(1)? as usize)?.trim();
    if text.is_empty() || text.contains("evcxr") {
        return None;
    }
    Some(if text.chars().count() > 90 {
        format!("{} …", text.chars().take(88).collect::<String>())
    } else {
        text.to_string()
    })
}

/// Messages of this crate are German already (they contain an umlaut or a German word).
fn looks_german(msg: &str) -> bool {
    msg.chars().any(|c| "äöüÄÖÜß".contains(c))
        || [
            " die ", " der ", " das ", " nicht ", " muss ", " hat ", " ist ",
        ]
        .iter()
        .any(|w| msg.contains(w))
}

/// The number after `prefix` in `msg`, e.g. `number_after("the len is 3", "the len is ")`.
fn number_after(msg: &str, prefix: &str) -> Option<u64> {
    let rest = &msg[msg.find(prefix)? + prefix.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The two shapes of ndarray's "could not broadcast array from shape: [3, 4] to: [2, 2]".
fn broadcast_shapes(msg: &str) -> Option<(String, String)> {
    let rest = &msg[msg.find("from shape: ")? + "from shape: ".len()..];
    let (from, to) = rest.split_once(" to: ")?;
    let paren = |s: &str| {
        format!(
            "({})",
            s.trim().trim_start_matches('[').trim_end_matches(']')
        )
    };
    Some((paren(from), paren(to)))
}

fn explain(msg: &str) -> Option<String> {
    if msg.contains("IncompatibleShape") || msg.contains("could not broadcast") {
        // ndarray names the shapes only when broadcasting fails (`a += &b`), not for `a + &b`.
        let shapes = broadcast_shapes(msg).map_or(String::new(), |(from, to)| {
            format!(": {from} lässt sich nicht auf {to} ausdehnen")
        });
        return Some(format!(
            "Zwei Arrays haben Formen, die für + − * / nicht zusammenpassen{shapes}. Elementweise \
             rechnen geht nur mit gleichen Formen oder wenn eine Seite sich ausdehnen lässt \
             (z. B. (n, 300) + (300,)). Prüfen Sie mit .shape(), welche Formen Ihre Arrays \
             haben – oft fehlt ein .t() oder es ist das Array aus dem falschen Schritt."
        ));
    }
    if msg.contains("not compatible for matrix multiplication") || msg.contains("dot shape error") {
        return Some(
            "Die Formen passen nicht für ein Matrixprodukt: Die Spaltenzahl links muss gleich \
             der Zeilenzahl rechts sein. Vermutlich fehlt ein .t() (oder ist zu viel)."
                .into(),
        );
    }
    if msg.starts_with("index out of bounds") {
        let (len, index) = (
            number_after(msg, "the len is "),
            number_after(msg, "the index is "),
        );
        return Some(match (len, index) {
            (Some(len), Some(index)) => format!(
                "Index außerhalb der Grenzen: Index {index}, aber es gibt nur {len} Einträge \
                 (erlaubt sind 0 bis {}). Zählen beginnt bei 0.",
                len.saturating_sub(1)
            ),
            _ => "Index außerhalb der Grenzen: Zählen beginnt bei 0, der letzte Index ist \
                  Länge − 1."
                .into(),
        });
    }
    if msg.contains("ndarray: index out of bounds") || msg.contains("array index out of bounds") {
        return Some(
            "Index außerhalb des Arrays: Eine Zeile oder Spalte gibt es nicht. Zählen beginnt \
             bei 0; .shape() zeigt die Größen."
                .into(),
        );
    }
    if msg.contains("out of range for slice of length") || msg.contains("slice index starts at") {
        return Some(
            "Ein Bereich (a..b) reicht über das Ende hinaus oder beginnt hinter seinem Ende."
                .into(),
        );
    }
    if msg.starts_with("called `Option::unwrap()` on a `None` value") {
        return Some(
            "unwrap() auf None: Ein Wert, den Ihr Code vorausgesetzt hat, fehlt (z. B. .max() \
             einer leeren Liste oder .as_slice() eines nicht zusammenhängenden Arrays)."
                .into(),
        );
    }
    if let Some(rest) = msg.strip_prefix("called `Result::unwrap()` on an `Err` value: ") {
        let inner = explain(rest).unwrap_or_else(|| format!("„{rest}“"));
        return Some(format!("unwrap() auf einen Fehler (Err): {inner}"));
    }
    if msg.starts_with("attempt to divide by zero")
        || msg.starts_with("attempt to calculate the remainder with a divisor of zero")
    {
        return Some(
            "Division durch null mit ganzen Zahlen (usize/i32). Für Kommazahlen erst in f64 \
             umwandeln: n as f64."
                .into(),
        );
    }
    if msg.starts_with("attempt to") && msg.contains("overflow") {
        return Some(
            "Überlauf einer ganzen Zahl, z. B. 0usize − 1. Rechnen Sie mit f64 oder prüfen \
             Sie die Reihenfolge."
                .into(),
        );
    }
    if let Some(rest) = msg.strip_prefix("assertion failed: ") {
        return Some(format!("Die Bedingung {rest} ist nicht erfüllt."));
    }
    if msg.starts_with("assertion `left == right` failed") {
        return Some("assert_eq! schlug fehl: Die beiden Werte sind verschieden.".into());
    }
    if msg.contains("ShapeError") || msg.contains("OutOfBounds") {
        return Some(
            "Ein Array hat nicht die Form, die dieser Schritt braucht (ndarray: ShapeError). \
             Prüfen Sie die Formen mit .shape()."
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_runtime_panics_are_explained_in_german() {
        let cases = [
            (
                "called `Result::unwrap()` on an `Err` value: ShapeError/IncompatibleShape: incompatible shapes",
                "für + − * / nicht zusammenpassen",
            ),
            (
                "index out of bounds: the len is 0 but the index is 3",
                "Index 3, aber es gibt nur 0 Einträge",
            ),
            (
                "index out of bounds: the len is 10 but the index is 10",
                "erlaubt sind 0 bis 9",
            ),
            ("ndarray: index out of bounds", "Index außerhalb des Arrays"),
            (
                "called `Option::unwrap()` on a `None` value",
                "unwrap() auf None",
            ),
            ("attempt to subtract with overflow", "Überlauf"),
            ("attempt to divide by zero", "Division durch null"),
            (
                "range end index 800 out of range for slice of length 784",
                "über das Ende hinaus",
            ),
            (
                "ndarray: inputs 2 × 3 and 4 × 5 are not compatible for matrix multiplication",
                "Matrixprodukt",
            ),
            (
                "assertion failed: x.len() > 0",
                "Die Bedingung x.len() > 0 ist nicht erfüllt",
            ),
        ];
        for (msg, german_part) in cases {
            let told = german(msg);
            assert!(told.contains(german_part), "{msg} → {told}");
            assert!(told.contains(msg), "the original text is kept: {told}");
        }
    }

    #[test]
    fn broadcasting_names_both_shapes() {
        let told = german("ndarray: could not broadcast array from shape: [3, 4] to: [2, 2]");
        assert!(
            told.contains("(3, 4) lässt sich nicht auf (2, 2) ausdehnen"),
            "{told}"
        );
    }

    #[test]
    fn the_source_line_is_the_students_line_and_never_evcxrs() {
        let source = "fn f(a: &Array2<f64>) -> Array2<f64> {\n    a + &b\n}\n\
                      evcxr_variable_store.put_variable::<i32>(x);\n";
        assert_eq!(source_line(source, 2).as_deref(), Some("a + &b"));
        assert_eq!(source_line(source, 4), None, "evcxr's own code");
        assert_eq!(source_line(source, 0), None);
        assert_eq!(source_line(source, 9), None, "past the end");
        let long = format!("let x = {};", "1.0 + ".repeat(30));
        let shown = source_line(&long, 1).unwrap();
        assert!(
            shown.ends_with(" …") && shown.chars().count() == 90,
            "{shown}"
        );
        assert_eq!(cell_line("/somewhere/else.rs", 2), None);
    }

    #[test]
    fn german_messages_stay_and_unknown_ones_get_a_german_frame() {
        let ours = "matmul: Die Formen passen nicht zusammen: a hat die Form (2, 3)";
        assert_eq!(german(ours), ours);
        let unknown = german("something odd happened");
        assert!(unknown.starts_with("unerwarteter Abbruch"), "{unknown}");
    }
}
