//! Aligned plain-text tables for the commands' `-o table` output

/// Rows as left-aligned columns separated by two spaces; the last column is not padded and
/// trailing spaces are trimmed. Widths count characters, not bytes.
pub fn aligned<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                let pad = w.saturating_sub(cell.chars().count()) + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::aligned;

    #[test]
    fn pads_by_characters_and_trims() {
        let rows = [
            ["A".to_owned(), "B".to_owned(), "C".to_owned()],
            ["ünï".to_owned(), String::new(), "x".to_owned()],
        ];
        assert_eq!(aligned(&rows), "A    B  C\nünï     x\n");
    }
}
