//! Diagnostics: one type for every error and warning the compiler reports,
//! one enum of stable codes, and the two renderings (human via miette, JSON).
//! Stages only create diagnostics; the CLI decides how to show them.

use crate::source::{SourceMap, Span};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $slug:literal;)*) => {
        /// Stable diagnostic codes. Each has a section in `docs/diagnostics.md`
        /// (a test checks that the two lists agree).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as users see it, e.g. `E003`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),* }
            }

            /// A short kebab-case name, e.g. `unknown-attribute`.
            pub fn slug(self) -> &'static str {
                match self { $(Code::$variant => $slug),* }
            }
        }
    };
}

codes! {
    Syntax = "E001", "syntax";
    UnknownKind = "E002", "unknown-kind";
    UnknownAttribute = "E003", "unknown-attribute";
    WrongType = "E004", "wrong-type";
    MissingRequired = "E005", "missing-required";
    BadEnumValue = "E006", "bad-enum-value";
    DuplicateName = "E007", "duplicate-name";
    UnresolvedReference = "E008", "unresolved-reference";
    Cycle = "E009", "cycle";
    BadImport = "E010", "bad-import";
    UnknownExport = "E011", "unknown-export";
    InvalidName = "E012", "invalid-name";
    UndefinedVariable = "E013", "undefined-variable";
    BadCliVar = "E014", "bad-cli-var";
    ComponentMisuse = "E015", "component-misuse";
    SecretMisuse = "E016", "secret-misuse";
    BadExpansion = "E017", "bad-expansion";
    ManyForOne = "E018", "many-for-one";
    BadInterpolation = "E019", "bad-interpolation";
    SchemaViolation = "E020", "schema-violation";
    InvalidSiteValue = "E021", "invalid-site-value";
    RouteNeverMatches = "E022", "route-never-matches";
    HostConflict = "E023", "host-conflict";
    UpstreamUnreachable = "E024", "upstream-unreachable";
    EngineCannot = "E025", "engine-cannot";
    InvalidWorkloadValue = "E026", "invalid-workload-value";
    InvalidFormat = "E027", "invalid-format";
    BadProviderSchema = "E028", "bad-provider-schema";
    UnusedVariable = "W001", "unused-variable";
    Deprecated = "W002", "deprecated";
    PassiveHealthOnly = "W003", "passive-health-only";
}

/// `word` with its indefinite article: "a droplet", "an app", "an object".
pub fn a(word: &str) -> String {
    let vowel = word
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "infrac::{}", self.as_str())
    }
}

/// The label at a component use that made the declaration a diagnostic
/// is about.
pub const FROM_USE: &str = "from this component use";

/// A labelled span beside the primary one ("defined here", "used here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub others: Vec<Label>,
    pub help: String,
    /// The expression of a `${…}` the problem is about, when the span is
    /// a whole string: [`Diagnostics::narrow`] points at that part.
    pub within: Option<String>,
}

impl Diagnostic {
    /// Starts an error; `at` and `help` are required before it is useful.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: if code.as_str().starts_with('W') {
                Severity::Warning
            } else {
                Severity::Error
            },
            message: message.into(),
            span: Span::default(),
            label: String::new(),
            others: Vec::new(),
            help: String::new(),
            within: None,
        }
    }

    /// The problem is about `${expression}` inside the span's string.
    pub fn within(mut self, expression: impl Into<String>) -> Self {
        self.within = Some(expression.into());
        self
    }

    pub fn at(mut self, span: Span, label: impl Into<String>) -> Self {
        self.span = span;
        self.label = label.into();
        self
    }

    pub fn also(mut self, span: Span, text: impl Into<String>) -> Self {
        self.others.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The edits that would fix it: for a help that says "did you mean
    /// `size`?" (or several), each suggestion written in place of the
    /// misspelt word, the one of the message's quoted words that the
    /// diagnostic's span holds. `text` is the span's file.
    pub fn fixes(&self, text: &str) -> Vec<Fix> {
        let Some(guess) = self.help.split("did you mean ").nth(1) else {
            return Vec::new();
        };
        let guess = guess.split('?').next().unwrap_or_default();
        let (start, end) = (self.span.start as usize, self.span.end as usize);
        let Some(spanned) = text.get(start..end.max(start)) else {
            return Vec::new();
        };
        let Some((word, at)) = backticked(&self.message)
            .into_iter()
            .find_map(|word| Some((word, start + whole_word(spanned, word)?)))
        else {
            return Vec::new();
        };
        backticked(guess)
            .into_iter()
            .map(|replacement| Fix {
                span: Span {
                    file: self.span.file,
                    start: at as u32,
                    end: (at + word.len()) as u32,
                },
                title: format!("Change `{word}` to `{replacement}`"),
                replacement: replacement.to_string(),
            })
            .collect()
    }
}

/// An edit that fixes a diagnostic: `replacement` in place of `span`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
    /// For an editor's menu: "Change `sise` to `size`".
    pub title: String,
}

/// The words between backticks, in order.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// Where `word` occurs in `text` not as part of a longer name.
fn whole_word(text: &str, word: &str) -> Option<usize> {
    let part = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word)
        .map(|(i, _)| i)
        .find(|&i| !text[..i].ends_with(part) && !text[i + word.len()..].starts_with(part))
}

impl Code {
    /// The code's section in docs/diagnostics.md, in the repository.
    pub fn docs_url(self) -> String {
        format!(
            "{}/blob/main/docs/diagnostics.md#{}-{}",
            env!("CARGO_PKG_REPOSITORY"),
            self.as_str().to_ascii_lowercase(),
            self.slug()
        )
    }

    /// The protocol's tags: 1 unnecessary (an unused variable, which
    /// editors fade), 2 deprecated (struck through).
    pub fn lsp_tags(self) -> &'static [u8] {
        match self {
            Code::UnusedVariable => &[1],
            Code::Deprecated => &[2],
            _ => &[],
        }
    }
}

/// Collects diagnostics across stages.
#[derive(Debug, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// Source order: file, then offset, then code; makes output stable
    /// whatever order the stages found problems in. A mistake in a
    /// component's body that several uses make is one diagnostic, with a
    /// label at each of those uses.
    pub fn sort(&mut self) {
        self.items
            .sort_by(|a, b| (a.span, a.code, &a.message).cmp(&(b.span, b.code, &b.message)));
        self.items.dedup();
        if !self
            .items
            .iter()
            .any(|d| d.others.iter().any(|l| l.text == FROM_USE))
        {
            return;
        }
        let mut merged: Vec<Diagnostic> = Vec::with_capacity(self.items.len());
        for d in std::mem::take(&mut self.items) {
            let same = |m: &Diagnostic| {
                let own = |x: &Diagnostic| -> Vec<Label> {
                    x.others
                        .iter()
                        .filter(|l| l.text != FROM_USE)
                        .cloned()
                        .collect()
                };
                (m.code, m.severity, &m.message, m.span, &m.label, &m.help)
                    == (d.code, d.severity, &d.message, d.span, &d.label, &d.help)
                    && own(m) == own(&d)
            };
            match merged
                .iter_mut()
                .rev()
                .take_while(|m| m.span == d.span)
                .find(|m| same(m))
            {
                Some(m) => {
                    for l in d.others.into_iter().filter(|l| l.text == FROM_USE) {
                        if !m.others.contains(&l) {
                            m.others.push(l);
                        }
                    }
                }
                None => merged.push(d),
            }
        }
        self.items = merged;
    }

    /// Points each diagnostic about one `${…}` of a string at that part,
    /// when the string writes it once.
    pub fn narrow(&mut self, sources: &SourceMap) {
        for d in &mut self.items {
            let Some(expression) = d.within.take() else {
                continue;
            };
            let text = sources.slice(d.span);
            let needle = format!("${{{expression}");
            let mut found = text.match_indices(&needle);
            let (Some((at, _)), None) = (found.next(), found.next()) else {
                continue;
            };
            let Some(close) = text[at..].find('}') else {
                continue;
            };
            let start = d.span.start as usize + at;
            d.span = Span::new(d.span.file, start, start + close + 1);
        }
    }

    /// Adds, to each diagnostic about a value written as a variable, a
    /// label where the variable got that value (its default, the
    /// environment, the command line).
    pub fn from_var_values(&mut self, origins: &crate::expand::VarOrigins) {
        if origins.is_empty() {
            return;
        }
        // Problems with a value itself; not those of what is done with it
        // (a formula's arguments, a cycle).
        let about_the_value = |c: Code| {
            matches!(
                c,
                Code::WrongType
                    | Code::BadEnumValue
                    | Code::SchemaViolation
                    | Code::InvalidName
                    | Code::InvalidSiteValue
                    | Code::InvalidWorkloadValue
                    | Code::InvalidFormat
            )
        };
        for d in self.items.iter_mut().filter(|d| about_the_value(d.code)) {
            if let Some((origin, name)) = origins.get(&d.span) {
                if !d.others.iter().any(|l| l.span == *origin) {
                    d.others.push(Label {
                        span: *origin,
                        text: format!("`{name}` gets this value here"),
                    });
                }
            }
        }
    }

    /// Labels each diagnostic from `start` on with the component uses
    /// that made the declaration it is about.
    pub fn from_uses(&mut self, start: usize, uses: &[Span]) {
        for d in &mut self.items[start..] {
            for u in uses {
                if !d.others.iter().any(|l| l.span == *u) {
                    d.others.push(Label {
                        span: *u,
                        text: FROM_USE.to_string(),
                    });
                }
            }
        }
    }
}

/// "did you mean `x`?" from a list of candidates, or an empty string. When
/// several are equally close (`nyc9`: `nyc1`, `nyc2`, `nyc3`), all of them.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = closest(word, candidates)
        .iter()
        .map(|c| format!("`{c}`"))
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!("did you mean {one}?"),
        [first @ .., last] => format!("did you mean {} or {last}?", first.join(", ")),
    }
}

/// The candidates closest to `word`, sorted, if any is close enough to be
/// a typo of it.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut best: Vec<&str> = Vec::new();
    let mut best_score = 0.8;
    // Names are short; a long word is no one's typo, and comparing it with
    // thousands of kind names would cost milliseconds per mistake.
    if word.len() > 80 {
        return Vec::new();
    }
    // Among thousands (every kind name), only names of a close length are
    // compared; short lists are compared whole (`LOG` for `LOG_LEVEL`).
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let many = candidates.len() > 200;
    let near = |c: &str| !many || c.len().abs_diff(word.len()) <= 3.max(word.len() / 3);
    for c in candidates.into_iter().filter(|c| near(c)) {
        // Jaro-Winkler misses a swap of neighbours in a short word (`wbe`
        // for `web` scores 0.56): one edit or swap always counts as close.
        let mut score = strsim::jaro_winkler(word, c);
        if score <= 0.8 && word.len() >= 3 && strsim::osa_distance(word, c) == 1 {
            score = 0.81;
        }
        if score > best_score {
            best_score = score;
            best.clear();
        }
        if score == best_score && score > 0.8 && !best.contains(&c) {
            best.push(c);
        }
    }
    best.sort_unstable();
    best
}

/// Joins a did-you-mean with a fallback help line.
pub fn suggest(word: &str, candidates: &[&str], otherwise: &str) -> String {
    let dym = did_you_mean(word, candidates.iter().copied());
    if dym.is_empty() {
        otherwise.to_string()
    } else {
        format!("{dym} {otherwise}")
    }
}

// ---- rendering -------------------------------------------------------------

/// What miette needs to draw one report; labels in other files become
/// related reports with their own source.
#[derive(Debug)]
struct MietteView {
    code: Option<Code>,
    severity: Severity,
    message: String,
    help: Option<String>,
    source: Window,
    labels: Vec<miette::LabeledSpan>,
    related: Vec<MietteView>,
}

/// The part of a file a report needs, from a few lines before its first
/// label on: miette finds a span's line by scanning from the start of the
/// text it is given, so given whole files, reporting thousands of errors in
/// one file took quadratic time. Line numbers and offsets are shifted back,
/// so the rendering is the same as over the whole file.
struct Window {
    name: String,
    text: std::sync::Arc<str>,
    /// Byte offset of the window in the file, at the start of a line.
    start: usize,
    /// That line's number (0-based).
    first_line: usize,
}

impl fmt::Debug for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Window({}, line {})", self.name, self.first_line)
    }
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let local =
            miette::SourceSpan::new(span.offset().saturating_sub(self.start).into(), span.len());
        let c = self.text[self.start..].read_span(&local, before, after)?;
        let offset = c.span().offset() + self.start;
        // miette counts the header's column in bytes; `check --format json`
        // counts characters, and both must name the same place.
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..offset].chars().count();
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            miette::SourceSpan::new(offset.into(), c.span().len()),
            c.line() + self.first_line,
            column,
            c.line_count() + self.first_line,
        )))
    }
}

/// Line starts of each file, computed once per rendering.
#[derive(Default)]
struct LineIndex(std::collections::HashMap<crate::source::FileId, Vec<usize>>);

impl LineIndex {
    fn starts(&mut self, sources: &SourceMap, file: crate::source::FileId) -> &[usize] {
        let text = &sources.get(file).text;
        self.0.entry(file).or_insert_with(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// 1-based line and column (in characters) of a byte offset, found by
    /// binary search in the line starts, not by scanning the file.
    fn line_col(
        &mut self,
        sources: &SourceMap,
        file: crate::source::FileId,
        offset: u32,
    ) -> (usize, usize) {
        let (line, before) = self.line_and_prefix(sources, file, offset);
        (line + 1, before.chars().count() + 1)
    }

    /// The 0-based line of a byte offset, and the text of that line
    /// before it.
    fn line_and_prefix(
        &mut self,
        sources: &SourceMap,
        file: crate::source::FileId,
        offset: u32,
    ) -> (usize, String) {
        let text = sources.get(file).text.clone();
        let mut offset = (offset as usize).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = self.starts(sources, file);
        let line = starts.partition_point(|&s| s <= offset).saturating_sub(1);
        (line, text[starts[line]..offset].to_string())
    }

    /// The position as the Language Server Protocol writes it: 0-based
    /// line, and the column in UTF-16 code units.
    fn lsp_position(
        &mut self,
        sources: &SourceMap,
        file: crate::source::FileId,
        offset: u32,
    ) -> serde_json::Value {
        let (line, before) = self.line_and_prefix(sources, file, offset);
        let character = before.encode_utf16().count();
        serde_json::json!({"line": line, "character": character})
    }

    fn lsp_range(&mut self, sources: &SourceMap, span: Span) -> serde_json::Value {
        serde_json::json!({
            "start": self.lsp_position(sources, span.file, span.start),
            "end": self.lsp_position(sources, span.file, span.end),
        })
    }

    /// A window of `file` that starts `lines` lines before the line holding
    /// `offset` (or at the start of the file).
    fn window(
        &mut self,
        sources: &SourceMap,
        file: crate::source::FileId,
        offset: usize,
        lines: usize,
    ) -> Window {
        let f = sources.get(file);
        let starts = self.starts(sources, file);
        let line = starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let first_line = line.saturating_sub(lines);
        Window {
            name: f.path.clone(),
            text: f.text.clone(),
            start: starts[first_line],
            first_line,
        }
    }
}

impl fmt::Display for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteView {}

impl miette::Diagnostic for MietteView {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code.map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

/// Lines of context miette shows around a label, and a margin more for the
/// window to start before them.
const WINDOW_LINES: usize = 3;

fn labeled(span: Span, text: &str, primary: bool) -> miette::LabeledSpan {
    let label = (!text.is_empty()).then(|| text.to_string());
    let s = (span.start as usize, span.len());
    if primary {
        miette::LabeledSpan::new_primary_with_span(label, s)
    } else {
        miette::LabeledSpan::new_with_span(label, s)
    }
}

fn view(diag: &Diagnostic, sources: &SourceMap, lines: &mut LineIndex) -> MietteView {
    let mut labels = vec![labeled(diag.span, &diag.label, true)];
    let mut related = Vec::new();
    let mut first = diag.span.start;
    for other in &diag.others {
        if other.span.file == diag.span.file {
            labels.push(labeled(other.span, &other.text, false));
            first = first.min(other.span.start);
        } else {
            related.push(MietteView {
                code: None,
                severity: diag.severity,
                message: other.text.clone(),
                help: None,
                source: lines.window(
                    sources,
                    other.span.file,
                    other.span.start as usize,
                    WINDOW_LINES,
                ),
                labels: vec![labeled(other.span, &other.text, false)],
                related: Vec::new(),
            });
        }
    }
    MietteView {
        code: Some(diag.code),
        severity: diag.severity,
        message: diag.message.clone(),
        help: (!diag.help.is_empty()).then(|| diag.help.clone()),
        source: lines.window(sources, diag.span.file, first as usize, WINDOW_LINES),
        labels,
        related,
    }
}

/// Renders diagnostics for people. `color` is off for tests, pipes and
/// `NO_COLOR`; the width is fixed so that output is stable.
pub fn render_human(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(80)
        .with_links(false);
    let mut out = String::new();
    let mut lines = LineIndex::default();
    for d in diags {
        let _ = handler.render_report(&mut out, &view(d, sources, &mut lines));
    }
    out
}

/// JSON for editors: one object per diagnostic.
pub fn render_json(diags: &[Diagnostic], sources: &SourceMap) -> serde_json::Value {
    let mut lines = LineIndex::default();
    let items: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let (line, column) = lines.line_col(sources, d.span.file, d.span.start);
            let (end_line, end_column) = lines.line_col(sources, d.span.file, d.span.end);
            let related: Vec<serde_json::Value> = d
                .others
                .iter()
                .map(|l| {
                    let (line, column) = lines.line_col(sources, l.span.file, l.span.start);
                    serde_json::json!({
                        "file": sources.get(l.span.file).path,
                        "line": line, "column": column,
                        "range": lines.lsp_range(sources, l.span),
                        "span": {"start": l.span.start, "end": l.span.end},
                        "message": l.text,
                    })
                })
                .collect();
            let fixes: Vec<serde_json::Value> = d
                .fixes(&sources.get(d.span.file).text)
                .into_iter()
                .map(|f| {
                    serde_json::json!({
                        "title": f.title,
                        "range": lines.lsp_range(sources, f.span),
                        "span": {"start": f.span.start, "end": f.span.end},
                        "replacement": f.replacement,
                    })
                })
                .collect();
            serde_json::json!({
                "file": sources.get(d.span.file).path,
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
                "range": lines.lsp_range(sources, d.span),
                "span": {"start": d.span.start, "end": d.span.end},
                "code": d.code.as_str(),
                "codeDescription": {"href": d.code.docs_url()},
                "source": "infrac",
                "name": d.code.slug(),
                "tags": d.code.lsp_tags(),
                "fixes": fixes,
                "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": d.message,
                "label": d.label,
                "help": d.help,
                "related": related,
            })
        })
        .collect();
    serde_json::Value::Array(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_did_you_mean_is_a_fix_of_the_misspelt_word() {
        let text = "droplet \"web\" region=\"nyc9\" sise=\"x\"\n";
        let span = |start: u32, end: u32| Span {
            file: crate::source::FileId(0),
            start,
            end,
        };
        let region = Diagnostic::error(Code::BadEnumValue, "`nyc9` is not a valid region")
            .at(span(14, 27), "here")
            .help("did you mean `nyc1`, `nyc2` or `nyc3`? allowed: …");
        let fixes = region.fixes(text);
        assert_eq!(fixes.len(), 3);
        assert_eq!(
            (fixes[2].span, fixes[2].replacement.as_str()),
            (span(22, 26), "nyc3")
        );
        assert_eq!(fixes[0].title, "Change `nyc9` to `nyc1`");
        let attribute =
            Diagnostic::error(Code::UnknownAttribute, "droplet has no attribute `sise`")
                .at(span(28, 32), "here")
                .help("did you mean `size`? …");
        assert_eq!(attribute.fixes(text)[0].span, span(28, 32));
        let no_guess = Diagnostic::error(Code::UnknownAttribute, "`x`").at(span(0, 7), "here");
        assert!(no_guess.fixes(text).is_empty());
    }

    #[test]
    fn did_you_mean_names_every_equally_close_candidate() {
        assert_eq!(
            did_you_mean("nyc9", ["nyc1", "nyc3", "ams3", "nyc2"]),
            "did you mean `nyc1`, `nyc2` or `nyc3`?"
        );
        assert_eq!(
            did_you_mean("ams4", ["ams3", "sfo3"]),
            "did you mean `ams3`?"
        );
    }

    #[test]
    fn did_you_mean_catches_close_names_and_swaps() {
        assert_eq!(
            did_you_mean("dropplet", ["droplet", "domain"]),
            "did you mean `droplet`?"
        );
        // A swap of neighbours in a short word.
        assert_eq!(did_you_mean("wbe", ["api", "web"]), "did you mean `web`?");
        // Nothing close, and no guessing on two letters.
        assert_eq!(did_you_mean("cache", ["droplet", "domain"]), "");
        assert_eq!(did_you_mean("ab", ["ba"]), "");
    }

    /// Found by the compile fuzz target: a 130-character kind name was
    /// compared with every kind name (thousands, generic ones included),
    /// 57 ms per mistake. A long word gets no guess; among many candidates
    /// only those of a close length are compared, and still found.
    #[test]
    fn did_you_mean_bounds_its_work() {
        let long = "s".repeat(130);
        assert_eq!(did_you_mean(&long, [long.as_str()]), "");
        let names: Vec<String> = (0..3000).map(|i| format!("aws-type-number-{i}")).collect();
        let mut candidates: Vec<&str> = names.iter().map(String::as_str).collect();
        candidates.push("aws-sqs-queue");
        assert_eq!(
            did_you_mean("aws-sqs-queu", candidates),
            "did you mean `aws-sqs-queue`?"
        );
        // A short list is compared whole: `LOG` for `LOG_LEVEL`.
        assert_eq!(did_you_mean("LOG_LEVEL", ["LOG"]), "did you mean `LOG`?");
    }
}
