//! Where each line of a text starts, found once, so that turning a byte offset into a
//! `line:column` place costs a binary search and the length of one line instead of a read of
//! the file from its start (once per place, that made `ripcord runbook check` quadratic in
//! the number of steps).

use super::effort;

#[derive(Debug, Clone)]
pub struct Lines<'t> {
    text: &'t str,
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Self {
        effort::add(text.len());
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    /// 1-based line and character column of a byte offset (an offset inside a character
    /// counts as that character; past the end, as the end): the same answer as
    /// `parse::line_column`.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut end = offset.min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let index = self.index_of(end);
        let start = self.starts[index];
        effort::add(end - start);
        (index + 1, self.text[start..end].chars().count() + 1)
    }

    /// The byte offset where the line holding `offset` starts.
    pub fn line_start(&self, offset: usize) -> usize {
        self.starts[self.index_of(offset.min(self.text.len()))]
    }

    /// The text from the start of 1-based line `line` to the end of the file (empty past
    /// the last line).
    pub fn from_line(&self, line: usize) -> &'t str {
        match self.starts.get(line.saturating_sub(1)) {
            Some(&start) => &self.text[start..],
            None => "",
        }
    }

    /// 1-based line `line` without its line ending, as `str::lines` gives it.
    pub fn line(&self, line: usize) -> Option<&'t str> {
        if line == 0 {
            return None;
        }
        self.from_line(line).lines().next()
    }

    /// The 0-based line holding a byte offset.
    fn index_of(&self, offset: usize) -> usize {
        // The last start at or before the offset; starts[0] is 0, so there is one.
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The index answers as a read from the start of the text does, on any text and any
        /// offset, multi-byte characters and `\r\n` included.
        #[test]
        fn places_are_those_of_a_read_from_the_start(
            text in "(a|é|\n|\r\n| |```|🦀){0,60}",
            offset in 0usize..200,
        ) {
            let lines = Lines::new(&text);
            prop_assert_eq!(lines.line_column(offset), super::super::line_column(&text, offset));
            let end = offset.min(text.len());
            if text.is_char_boundary(end) {
                let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
                prop_assert_eq!(lines.line_start(offset), start);
            }
            for (n, want) in text.lines().enumerate() {
                prop_assert_eq!(lines.line(n + 1), Some(want));
            }
            prop_assert_eq!(lines.line(text.lines().count() + 1), None);
        }
    }
}
