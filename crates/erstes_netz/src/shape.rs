//! Formatting of shapes for the German panic messages.

/// A shape as numpy prints it: `(200, 784)`, `(300,)`.
pub(crate) fn fmt_shape(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        dims => {
            let parts: Vec<String> = dims.iter().map(usize::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fmt_shape;

    #[test]
    fn shapes_look_like_numpy() {
        assert_eq!(fmt_shape(&[200, 784]), "(200, 784)");
        assert_eq!(fmt_shape(&[300]), "(300,)");
        assert_eq!(fmt_shape(&[]), "()");
    }
}
