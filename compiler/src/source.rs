//! Source files and spans. Every span in the compiler points into a file of
//! one `SourceMap`, so diagnostics can be rendered long after parsing.

use std::sync::Arc;

/// Index of a file in the `SourceMap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    pub fn from_miette(file: FileId, span: miette::SourceSpan) -> Span {
        Span::new(file, span.offset(), span.offset() + span.len())
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// One loaded file: its display path (relative to the project, or
/// `<stdlib>/…` for embedded components) and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: Arc<str>,
}

/// All files of one compilation, in load order.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile {
            path: path.into(),
            text: text.into(),
        });
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn find(&self, path: &str) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// Replaces the text under `span` with `*`, byte for byte, so that every
    /// span stays valid (for a secret's value typed on the command line).
    pub fn mask(&mut self, span: Span) {
        let file = &mut self.files[span.file.0 as usize];
        let text = &file.text;
        let end = (span.end as usize).min(text.len());
        let start = (span.start as usize).min(end);
        let mut masked = String::with_capacity(text.len());
        masked.push_str(&text[..start]);
        masked.push_str(&"*".repeat(end - start));
        masked.push_str(&text[end..]);
        file.text = masked.into();
    }

    pub fn slice(&self, span: Span) -> &str {
        let text = &self.get(span.file).text;
        let end = (span.end as usize).min(text.len());
        let start = (span.start as usize).min(end);
        text.get(start..end).unwrap_or("")
    }
}
