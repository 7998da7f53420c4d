//! Skipping comments and strings in raw text, for the scans that run before
//! (or instead of) a parser: nesting limits and the common keyword slips.

/// Where the line that `i` is on ends: at the first of KDL's line breaks
/// (LF, CR, vertical tab, form feed, NEL, LS, PS), or at the text's end.
fn line_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'\n' | b'\r' | 0x0B | 0x0C => return j,
            0xC2 if b.get(j + 1) == Some(&0x85) => return j,
            0xE2 if b.get(j + 1) == Some(&0x80) && matches!(b.get(j + 2), Some(0xA8 | 0xA9)) => {
                return j
            }
            _ => j += 1,
        }
    }
    b.len()
}

/// What starts at an offset and is not code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Skipped {
    Comment,
    Str,
}

/// If a comment (`//` to the line's end, nested `/* */`) or a (raw,
/// multi-line) string starts at `i`, where it ends: the line comment at
/// its `\n`, the rest just past them (or at the end of the text).
pub(crate) fn skip(b: &[u8], i: usize) -> Option<(usize, Skipped)> {
    if b[i..].starts_with(b"//") {
        return Some((line_end(b, i), Skipped::Comment));
    }
    if b[i..].starts_with(b"/*") {
        let (mut j, mut level) = (i, 0);
        while j < b.len() {
            if b[j..].starts_with(b"/*") {
                level += 1;
                j += 2;
            } else if b[j..].starts_with(b"*/") {
                level -= 1;
                j += 2;
                if level == 0 {
                    break;
                }
            } else {
                j += 1;
            }
        }
        return Some((j.min(b.len()), Skipped::Comment));
    }
    let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
    if b.get(i + hashes) != Some(&b'"') {
        return None;
    }
    let mut j = i + hashes;
    let quotes = if b[j..].starts_with(b"\"\"\"") { 3 } else { 1 };
    j += quotes;
    let closes = |at: usize| {
        b.len() >= at + quotes + hashes
            && b[at..at + quotes].iter().all(|&c| c == b'"')
            && b[at + quotes..at + quotes + hashes]
                .iter()
                .all(|&c| c == b'#')
    };
    while j < b.len() && !closes(j) {
        j += if hashes == 0 && b[j] == b'\\' { 2 } else { 1 };
    }
    Some(((j + quotes + hashes).min(b.len()), Skipped::Str))
}
