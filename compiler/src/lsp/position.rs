//! Byte offsets (infrac's spans) and LSP positions: a line and a column
//! counted in UTF-16 code units, as the protocol's default encoding says.

use lsp_types::{Position, Range};

/// Where each line of a text starts.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|s| *s <= offset) - 1;
        let start = self.starts[line];
        // A span never ends inside a character; if one did, count up to
        // the character it is in.
        let mut end = offset;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let character = text[start..end].encode_utf16().count();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The byte offset of a position (clamped to its line's end).
    pub fn offset(&self, text: &str, p: Position) -> usize {
        let Some(&start) = self.starts.get(p.line as usize) else {
            return text.len();
        };
        let line_end = self
            .starts
            .get(p.line as usize + 1)
            .map_or(text.len(), |next| next - 1);
        let mut units = 0;
        for (i, c) in text[start..line_end].char_indices() {
            if units >= p.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        line_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_utf16_units() {
        // Each horse is 4 bytes, 1 char, 2 UTF-16 units.
        let text = "a\ntags=\"🐴🐴\" sise=\"x\"\n";
        let index = LineIndex::new(text);
        let at = text.find("sise").unwrap();
        assert_eq!(index.position(text, at), Position::new(1, 12));
        assert_eq!(index.offset(text, Position::new(1, 12)), at);
        assert_eq!(index.position(text, 0), Position::new(0, 0));
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
    }
}
