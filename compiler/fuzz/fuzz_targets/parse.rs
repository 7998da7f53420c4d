//! The hand-written parser against the `kdl` crate: whatever the first
//! reads, the second must read too, to the same nodes, values and spans.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        infrac::parse::parsers_agree(text);
    }
});
