//! Any text as a project's entry file: the compiler never panics, and
//! every error it reports has a code, a span inside its file and a help
//! line (the same promise `tests/robustness.rs` checks on corrupted
//! examples).
#![no_main]

use infrac::{compile, Options, World};
use libfuzzer_sys::fuzz_target;

struct OneFile<'a>(&'a str);

impl World for OneFile<'_> {
    fn read(&self, path: &str) -> Result<String, String> {
        if path == infrac::load::ENTRY_FILE {
            Ok(self.0.to_string())
        } else {
            Err("no such file".to_string())
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let c = compile(&OneFile(text), &Options::default());
    for d in &c.diagnostics {
        let file = c.sources.get(d.span.file);
        assert!(
            d.span.start <= d.span.end && d.span.end as usize <= file.text.len(),
            "span outside {} for {:?}",
            file.path,
            d.message
        );
        assert!(!d.help.is_empty(), "no help line for {:?}", d.message);
    }
    // Rendering must not panic either.
    let _ = infrac::diag::render_human(&c.diagnostics, &c.sources, false);
});
