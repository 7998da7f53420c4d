//! The hand-written parser against the `kdl` crate: whatever the first
//! reads, the second must read too, to the same nodes, values and spans.
//! And `infrac fmt` on whatever parses: it formats, changes nothing a
//! parser reads, and a second run changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        infrac::parse::parsers_agree(text);
        let file = infrac::source::FileId(0);
        if let Ok(nodes) = infrac::parse::parse(file, text) {
            let formatted = infrac::formatter::format(text).expect("a file that parses formats");
            let again = infrac::parse::parse(file, &formatted).expect("formatted text parses");
            assert_eq!(strip(&nodes), strip(&again), "formatting changed the nodes");
            assert_eq!(infrac::formatter::format(&formatted).unwrap(), formatted);
        }
    }
});

/// The nodes without their positions.
fn strip(nodes: &[infrac::parse::Node]) -> String {
    let text = format!("{nodes:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').map_or(rest.len(), |e| at + e + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
