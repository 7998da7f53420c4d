//! The hand-written parser against the `kdl` crate: whatever the first
//! reads, the second must read too, to the same nodes, values and spans.
#![no_main]

use infrac::parse::both_readings;
use infrac::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (fast, slow) = both_readings(FileId(0), text);
    let Some(fast) = fast else {
        return;
    };
    match slow {
        // Debug text, so that NaN equals NaN.
        Ok(slow) => assert_eq!(
            format!("{fast:#?}"),
            format!("{slow:#?}"),
            "the parsers disagree on {text:?}"
        ),
        Err(errors) => panic!(
            "the fast parser accepted {text:?}, which the kdl crate rejects: {}",
            errors[0].message
        ),
    }
});
